package napster

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
)

// End to end on loopback TCP: peers register with a directory, a search
// returns the holders, the file moves peer to peer; with the directory
// closed, searching fails but a download from a known holder still works.
func TestEndToEndDirectoryOverTCP(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dir, err := NewDirectory(DirectoryConfig{})
	require.NoError(t, err)
	defer dir.Close()
	holder, err := NewServent(ServentConfig{Directory: dir.Addr(), Files: []overlay.File{song}})
	require.NoError(t, err)
	defer holder.Close()
	asker, err := NewServent(ServentConfig{Directory: dir.Addr()})
	require.NoError(t, err)
	defer asker.Close()
	require.NoError(t, holder.Join(ctx))
	require.NoError(t, asker.Join(ctx))

	res, err := asker.Search(ctx, "free software")
	require.NoError(t, err)
	require.Len(t, res, 1)
	require.Equal(t, []transport.Addr{holder.Addr()}, res[0].Holders)
	data, err := asker.Fetch(ctx, res[0])
	require.NoError(t, err)
	require.Equal(t, song.Data, data)

	st, err := dir.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, st.Peers)

	require.NoError(t, dir.Close())
	_, err = asker.Search(ctx, "free software")
	require.Error(t, err, "no directory, no search")
	data, err = asker.Fetch(ctx, res[0])
	require.NoError(t, err, "transfers are peer to peer")
	require.Equal(t, song.Data, data)
}
