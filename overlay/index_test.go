package overlay

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
)

func TestIndexAddLookupRemove(t *testing.T) {
	x := NewIndex()
	song := NewFile("Free Software Song.ogg", []byte("a"))
	other := NewFile("Other Song.mp3", []byte("b"))
	require.True(t, x.Add("p1", song))
	require.False(t, x.Add("p1", song), "same pair twice")
	require.True(t, x.Add("p2", song))
	require.True(t, x.Add("p2", other))
	require.Equal(t, 3, x.Len())
	require.Equal(t, 2, x.Files())

	res := x.Lookup("SONG free")
	require.Len(t, res, 1)
	require.Equal(t, song.Hash, res[0].Hash)
	require.Nil(t, res[0].Data, "the index keeps no content")
	require.Equal(t, []transport.Addr{"p1", "p2"}, res[0].Holders)
	require.Len(t, x.Lookup("song"), 2)
	require.Empty(t, x.Lookup("beer"))
	require.Empty(t, x.Lookup(""))

	x.Remove("p1", song.Hash)
	require.Equal(t, []transport.Addr{"p2"}, x.Holders(song.Hash))
	x.Remove("p2", song.Hash)
	require.Nil(t, x.Holders(song.Hash))
	require.Empty(t, x.Lookup("free"), "keywords of a removed file are gone")
	require.Equal(t, 1, x.Len())
	x.Remove("nobody", other.Hash)
	require.Equal(t, 1, x.Len())
}
