package enc

import (
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
