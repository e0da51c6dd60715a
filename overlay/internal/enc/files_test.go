package enc

import (
	"slices"
	"strings"
	"testing"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

func TestFilesAndResultsRoundTrip(t *testing.T) {
	song := overlay.NewFile("song.mp3", []byte("la la"))
	files := []overlay.File{song, {Name: "empty", Hash: overlay.HashOf(nil)}}
	results := []overlay.Result{
		{File: files[0], Holders: []transport.Addr{"/ip4/127.0.0.1/tcp/1", "/ip4/127.0.0.1/tcp/2"}},
		{File: files[1]},
	}
	var w Writer
	w.Files(files)
	w.Results(results)
	r := Reader{B: w.B}
	got := r.Files()
	gotResults := r.Results()
	require.NoError(t, r.Done())
	song.Data = nil // descriptors only
	require.Equal(t, []overlay.File{song, files[1]}, got)
	results[0].File = song
	require.Equal(t, results, gotResults)
}

func TestFilesCountBoundedByInput(t *testing.T) {
	for name, decode := range map[string]func(*Reader) int{
		"files":   func(r *Reader) int { return len(r.Files()) },
		"results": func(r *Reader) int { return len(r.Results()) },
	} {
		t.Run(name, func(t *testing.T) {
			var w Writer
			w.Uint(1 << 40) // claims far more items than follow
			w.Fixed(make([]byte, 64))
			r := Reader{B: w.B}
			require.Zero(t, decode(&r))
			require.ErrorIs(t, r.Err, ErrMalformed)
		})
	}
}

func TestFileSizeBeyondInt64IsCut(t *testing.T) {
	var w Writer
	w.Fixed(make([]byte, len(overlay.Hash{})))
	w.String("big")
	w.Uint(1<<64 - 1)
	r := Reader{B: w.B}
	f := r.File()
	require.NoError(t, r.Done())
	require.Equal(t, int64(1<<63-1), f.Size)
}

// The computed lengths are the written ones, for empty, short and long
// values (varint boundaries at 128 and 16 384).
func TestLengthsMatchEncodings(t *testing.T) {
	long := overlay.File{Name: strings.Repeat("n", 200), Size: 1 << 40}
	files := []overlay.File{{}, {Name: "a", Size: 127}, {Name: "b", Size: 128}, long}
	many := make([]transport.Addr, 130)
	for i := range many {
		many[i] = transport.Addr(strings.Repeat("h", i))
	}
	for _, tt := range []struct {
		name    string
		files   []overlay.File
		results []overlay.Result
	}{
		{"empty", nil, nil},
		{"short", files[:2], []overlay.Result{{File: files[1], Holders: []transport.Addr{"/sim/1"}}}},
		{"long", files, []overlay.Result{{File: long, Holders: many}, {File: files[0]}}},
		{"many", slices.Repeat(files, 40), slices.Repeat([]overlay.Result{{File: long}}, 200)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var w Writer
			w.Files(tt.files)
			require.Len(t, w.B, FilesLen(tt.files))
			w = Writer{}
			w.Results(tt.results)
			require.Len(t, w.B, ResultsLen(tt.results))
			for _, f := range tt.files {
				w = Writer{}
				w.File(f)
				require.Len(t, w.B, FileLen(f))
			}
		})
	}
}
