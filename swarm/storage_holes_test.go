package swarm

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport/utp"
	"github.com/stretchr/testify/require"
)

// commitPiece stages piece i of content block by block and commits it.
func commitPiece(t *testing.T, st *FileStorage, info *metainfo.Info, content []byte, i int) {
	t.Helper()
	lo := int(int64(i) * info.PieceLength)
	size := int(info.PieceSize(i))
	for b := 0; b < size; b += wire.BlockSize {
		require.NoError(t, st.StageBlock(i, b, content[lo+b:lo+min(b+wire.BlockSize, size)]))
	}
	require.NoError(t, st.CommitPiece(i, info.Pieces[i]))
}

// filesystemHasHoles reports whether dir's filesystem reports the hole
// of a file extended without writing.
func filesystemHasHoles(t *testing.T, dir string) bool {
	f, err := os.Create(filepath.Join(dir, "sparse"))
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, f.Truncate(1<<20))
	return holeIn(f, 0, 64<<10)
}

// A download killed after writing pieces 1, 3 and 6 of 8 (CommitPiece
// writes each where it belongs, leaving holes before it) resumes with
// exactly those three and hashes only them: the pieces over holes are
// missing unread. Piece 3 is all zeros, which a hole reads as, and is
// found: a hole is bytes never written, not zeros.
func TestCheckPieceSkipsHoles(t *testing.T) {
	src, dir := t.TempDir(), t.TempDir()
	const pieceLen = 64 << 10
	content := writeRandomFile(t, src, "f", 8*pieceLen-100, 3)
	clear(content[3*pieceLen : 4*pieceLen])
	require.NoError(t, os.WriteFile(filepath.Join(src, "f"), content, 0o644))
	mi, err := metainfo.Create(filepath.Join(src, "f"), metainfo.CreateConfig{PieceLength: pieceLen})
	require.NoError(t, err)

	st, err := OpenFileStorage(&mi.Info, dir, FileStorageConfig{})
	require.NoError(t, err)
	for _, i := range []int{1, 3, 6} {
		commitPiece(t, st, &mi.Info, content, i)
	}
	require.NoError(t, st.Close())

	st, err = OpenFileStorage(&mi.Info, dir, FileStorageConfig{})
	require.NoError(t, err)
	defer st.Close()
	var have []int
	for i := range mi.Info.NumPieces() {
		ok, err := st.CheckPiece(i, mi.Info.Pieces[i])
		require.NoError(t, err)
		if ok {
			have = append(have, i)
		}
	}
	require.Equal(t, []int{1, 3, 6}, have)
	if runtime.GOOS != "linux" || !filesystemHasHoles(t, t.TempDir()) {
		t.Logf("no holes reported here: %d pieces hashed", st.Stats().Checked)
		return
	}
	require.EqualValues(t, 3, st.Stats().Checked, "only the pieces written are hashed")
	require.EqualValues(t, 3*pieceLen, st.Stats().Read)

	// A client adding the torrent on that directory says so.
	c, err := NewClient(ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", UTP: utp.TCPOnly})
	require.NoError(t, err)
	defer c.Close()
	tor, err := c.Add(mi, dir)
	require.NoError(t, err)
	p, err := tor.Progress(context.Background())
	require.NoError(t, err)
	require.Equal(t, 3, p.Pieces)
	require.Equal(t, 3, p.Rechecked)
}
