package transfer

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func decode(s string) (*Request, error) {
	m, err := (&codec{}).Decode(bufio.NewReader(strings.NewReader(s)))
	if err != nil {
		return nil, err
	}
	return m.(*Request), nil
}

func TestDecodeRequest(t *testing.T) {
	r, err := decode("GET /get/3/song.mp3 HTTP/1.1\r\nhost: x\r\nRange: bytes=0-99\r\n\r\n")
	require.NoError(t, err)
	require.Equal(t, "/get/3/song.mp3", r.Path)
	require.Equal(t, "x", r.Header["Host"])
	s, e, ok := r.Range()
	require.True(t, ok)
	require.Equal(t, [2]int64{0, 99}, [2]int64{s, e})

	for _, bad := range []string{
		"POST / HTTP/1.1\r\n\r\n",
		"GET nopath HTTP/1.1\r\n\r\n",
		"GET / FTP/1\r\n\r\n",
		"GET / HTTP/1.1\r\nno colon\r\n\r\n",
		"GET / HTTP/1.1\r\n" + strings.Repeat("A: b\r\n", maxHeaders+1) + "\r\n",
		"GET /" + strings.Repeat("a", maxRequestLine) + " HTTP/1.1\r\n\r\n",
	} {
		_, err := decode(bad)
		require.Error(t, err, bad)
	}
}

func TestRanges(t *testing.T) {
	tests := []struct {
		h          string
		start, end int64
		ok         bool
	}{
		{"bytes=5-", 5, -1, true},
		{"bytes=5-9", 5, 9, true},
		{"bytes=9-5", 0, 0, false},
		{"bytes=-5", 0, 0, false},
		{"bytes=1-2,4-5", 0, 0, false},
		{"items=1-2", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		s, e, ok := (&Request{Header: map[string]string{"Range": tt.h}}).Range()
		require.Equal(t, tt.ok, ok, tt.h)
		if ok {
			require.Equal(t, [2]int64{tt.start, tt.end}, [2]int64{s, e}, tt.h)
		}
	}
}

func TestPaths(t *testing.T) {
	tg, ok := ParsePath(GetPath(7, "a song/with slash.mp3"))
	require.True(t, ok)
	require.Equal(t, Target{Index: 7, Name: "a song/with slash.mp3"}, tg)
	tg, ok = ParsePath(HashPath(doc.Hash))
	require.True(t, ok)
	require.Equal(t, doc.Hash, tg.Hash)
	for _, bad := range []string{"/", "/get/x/y", "/get/1", "/uri-res/N2R?urn:md5:x", "/get/1/%zz"} {
		_, ok := ParsePath(bad)
		require.False(t, ok, bad)
	}
}

func TestEncodeResponse(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	c := &codec{}
	require.NoError(t, c.Encode(w, &Response{Status: 206, Header: map[string]string{"Content-Length": "3", "A": "b"}, Body: []byte("abc")}))
	require.NoError(t, c.Encode(w, Chunk("de")))
	require.Error(t, c.Encode(w, &Request{}))
	require.NoError(t, w.Flush())
	require.Equal(t, "HTTP/1.1 206 Partial Content\r\nA: b\r\nContent-Length: 3\r\n\r\nabcde", buf.String())
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add("GET /get/3/song.mp3 HTTP/1.1\r\nRange: bytes=0-99\r\n\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := decode(s)
		if err != nil {
			return
		}
		_, _, _ = r.Range()
		_, _ = ParsePath(r.Path)
	})
}
