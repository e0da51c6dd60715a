package metainfo

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseMagnet(t *testing.T) {
	h, err := ParseHash("c12fe1c06bba254a9dc9f519b335aa7c1367a88a")
	require.NoError(t, err)
	tests := []struct {
		name string
		in   string
		want Magnet
	}{
		{"hex", "magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a", Magnet{InfoHash: h}},
		{"upper hex", "magnet:?xt=urn:btih:C12FE1C06BBA254A9DC9F519B335AA7C1367A88A", Magnet{InfoHash: h}},
		{"base32", "magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK", Magnet{InfoHash: h}},
		{"lower base32", "magnet:?xt=urn:btih:yex6dqdlxisuvhoj6um3gnnkpqjwpkek", Magnet{InfoHash: h}},
		{"everything", "magnet:?xt=urn:btmh:1220abcd&xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=Big+Buck%20Bunny" +
			"&tr=udp%3A%2F%2Fexplodie.org%3A6969&tr=http://127.0.0.1:6969/announce&x.pe=127.0.0.1:6881&x.pe=[::1]:51413" +
			"&ws=https%3A%2F%2Fwebtorrent.io%2Ftorrents%2F&unknown=1",
			Magnet{InfoHash: h, Name: "Big Buck Bunny", Trackers: []string{"udp://explodie.org:6969", "http://127.0.0.1:6969/announce"},
				Peers: []string{"127.0.0.1:6881", "[::1]:51413"}, WebSeeds: []string{"https://webtorrent.io/torrents/"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMagnet(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			again, err := ParseMagnet(got.String())
			require.NoError(t, err)
			require.Equal(t, got, again)
		})
	}
}

func TestParseMagnetBad(t *testing.T) {
	for _, in := range []string{
		"", "http://x", "magnet:", "magnet:?dn=x", "magnet:?xt=urn:btih:", "magnet:?xt=urn:btih:zz2fe1c06bba254a9dc9f519b335aa7c1367a88a",
		"magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a8", "magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKE1",
		"magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&x.pe=nohost",
		"magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&%zz",
		"magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a" + strings.Repeat("&tr=x", MaxMagnetValues+1),
		"magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=" + strings.Repeat("x", MaxMagnetLen),
	} {
		_, err := ParseMagnet(in)
		require.ErrorIs(t, err, ErrInvalid, "%.80q", in)
	}
}

func TestParseInfo(t *testing.T) {
	mi, err := Create("testdata/content/album", CreateConfig{PieceLength: 32})
	require.NoError(t, err)
	b, err := mi.Info.Marshal()
	require.NoError(t, err)
	info, h, err := ParseInfo(b)
	require.NoError(t, err)
	require.Equal(t, mi.InfoHash, h)
	require.Equal(t, mi.Info.Name, info.Name)
	_, _, err = ParseInfo(b[:len(b)-1])
	require.Error(t, err)
	_, _, err = ParseInfo([]byte("d4:name1:xe"))
	require.ErrorIs(t, err, ErrInvalid)
}

// FuzzParseMagnet: any string parses or fails with ErrInvalid, and what
// parses formats to a link that parses to the same value.
func FuzzParseMagnet(f *testing.F) {
	f.Add("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=x&tr=http://a/&x.pe=1.2.3.4:5&ws=http://w/")
	f.Add("magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK&tr=")
	f.Fuzz(func(t *testing.T, in string) {
		m, err := ParseMagnet(in)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalid)
			return
		}
		again, err := ParseMagnet(m.String())
		require.NoError(t, err, fmt.Sprintf("%q", m.String()))
		require.Equal(t, m, again)
	})
}
