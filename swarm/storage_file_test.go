package swarm

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/stretchr/testify/require"
)

// TestFileStorageMultiFile: pieces that straddle files (and a one-byte
// file) are written to the right places; a corrupt piece writes nothing;
// a reopened storage finds every piece by recheck.
func TestFileStorageMultiFile(t *testing.T) {
	src := filepath.Join(t.TempDir(), "album")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "b"), 0o755))
	writeRandomFile(t, src, "a.bin", 40000, 31)
	writeRandomFile(t, filepath.Join(src, "b"), "one.bin", 1, 32)
	writeRandomFile(t, src, "c.bin", 70000, 33)
	mi, err := metainfo.Create(src, metainfo.CreateConfig{PieceLength: 32 << 10})
	require.NoError(t, err)
	info := &mi.Info
	var content []byte
	for _, span := range info.Layout() {
		b, err := os.ReadFile(filepath.Join(append([]string{filepath.Dir(src)}, span.Path...)...))
		require.NoError(t, err)
		content = append(content, b...)
	}
	require.Len(t, content, 110001)

	dst := t.TempDir()
	st, err := OpenFileStorage(info, dst, FileStorageConfig{})
	require.NoError(t, err)
	stage := func(piece int, data []byte) {
		for begin := 0; begin < len(data); begin += wire.BlockSize {
			block := append([]byte(nil), data[begin:min(begin+wire.BlockSize, len(data))]...)
			require.NoError(t, st.StageBlock(piece, begin, block))
		}
	}
	pieceData := func(i int) []byte {
		off := int64(i) * info.PieceLength
		return content[off : off+info.PieceSize(i)]
	}

	// Files in torrent order: a.bin [0, 40000), b/one.bin [40000, 40001),
	// c.bin [40001, 110001). Piece 1 (bytes 32768-65535, across all three)
	// arrives corrupt first: nothing is written.
	bad := append([]byte(nil), pieceData(1)...)
	bad[100] ^= 1
	stage(1, bad)
	require.ErrorIs(t, st.CommitPiece(1, info.Pieces[1]), ErrCorruptPiece)
	ok, err := st.CheckPiece(1, info.Pieces[1])
	require.NoError(t, err)
	require.False(t, ok)

	require.Error(t, st.StageBlock(0, 100, []byte{1}), "a block must start on a block boundary")
	for i := range info.NumPieces() {
		stage(i, pieceData(i))
		require.NoError(t, st.CommitPiece(i, info.Pieces[i]), "piece %d", i)
	}
	// A block that spans all three files reads back whole.
	got, err := st.ReadBlock(1, 40000-32768-10, 20)
	require.NoError(t, err)
	require.Equal(t, content[40000-10:40000+10], got)
	for _, r := range [][3]int{{-1, 0, 1}, {4, 0, 1}, {0, 32<<10 - 1, 2}, {3, 0, 110001 - 3*32<<10 + 1}, {0, -1, 1}} {
		_, err := st.ReadBlock(r[0], r[1], r[2])
		require.Error(t, err, "block %v is outside the torrent", r)
	}
	require.NoError(t, st.Close())

	for _, name := range []string{"a.bin", "b/one.bin", "c.bin"} {
		want, err := os.ReadFile(filepath.Join(src, name))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(dst, "album", name))
		require.NoError(t, err)
		require.Equal(t, want, got, name)
	}
	st, err = OpenFileStorage(info, dst, FileStorageConfig{})
	require.NoError(t, err)
	defer st.Close()
	for i := range info.NumPieces() {
		ok, err := st.CheckPiece(i, info.Pieces[i])
		require.NoError(t, err)
		require.True(t, ok, "piece %d after reopening", i)
	}
}
