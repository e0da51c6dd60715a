package napster

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/enc"
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
	holder, err := NewNode(NodeConfig{Directory: dir.Addr(), Files: []overlay.File{song}})
	require.NoError(t, err)
	defer holder.Close()
	asker, err := NewNode(NodeConfig{Directory: dir.Addr()})
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

// register opens a connection to the directory from 127.0.0.2 and sends
// one Register frame (the holder: the connection's own address); the
// connection stays open until the test ends. A write the directory cut
// short by closing the connection is not an error here.
func register(t *testing.T, dir transport.Addr, files []overlay.File) {
	t.Helper()
	ia, err := transport.ParseIPAddr(dir)
	require.NoError(t, err)
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp", ia.HostPort())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	b, err := Marshal(&Register{Files: files})
	require.NoError(t, err)
	_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, _ = conn.Write(binary.BigEndian.AppendUint32(nil, uint32(len(b))))
	_, _ = conn.Write(b)
}

// songs returns n file descriptors named "song <i>" padded to pad bytes.
func songs(n, pad int) []overlay.File {
	files := make([]overlay.File, n)
	for i := range files {
		name := fmt.Sprintf("song %d ", i)
		files[i] = overlay.File{Name: name + strings.Repeat("x", pad-len(name)), Size: 1, Hash: overlay.HashOf([]byte(name))}
	}
	return files
}

// honestDirectory starts a directory with cfg, a holder of song
// registered first and an asker; it returns the directory and the asker.
func honestDirectory(t *testing.T, ctx context.Context, cfg ServerConfig) (*Directory, *Node, *Node) {
	t.Helper()
	dir, err := NewDirectory(DirectoryConfig{Server: cfg})
	require.NoError(t, err)
	t.Cleanup(func() { dir.Close() })
	var out []*Node
	for _, files := range [][]overlay.File{{song}, nil} {
		s, err := NewNode(NodeConfig{Directory: dir.Addr(), Files: files})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		require.NoError(t, s.Join(ctx))
		out = append(out, s)
	}
	return dir, out[0], out[1]
}

// F6: connections from one host are capped, so are the files it lists;
// 40 connections from one address each registering 100 files of 2 KB
// names used to hold 40 registrations (and 300 such held 477 MiB).
// Beyond the cap they are closed, and an honest search for the
// squatters' word is still answered with the honest holder first.
func TestOneAddressCannotFillTheDirectory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dir, holder, asker := honestDirectory(t, ctx, ServerConfig{})
	files := songs(100, 2000)
	for range 40 {
		register(t, dir.Addr(), files)
	}
	var st ServerStats
	require.Eventually(t, func() bool {
		var err error
		st, err = dir.Stats(ctx)
		return err == nil && st.RefusedConns == 40-DefaultMaxConnsPerAddress && st.Peers == 2+DefaultMaxConnsPerAddress
	}, 10*time.Second, 10*time.Millisecond, "the directory read every squatter: %+v", st)
	require.Equal(t, 1+DefaultMaxConnsPerAddress*len(files), st.Files)

	res, err := asker.Search(ctx, "song")
	require.NoError(t, err)
	require.Len(t, res, DefaultMaxResults)
	require.Equal(t, song.Hash, res[0].Hash, "the honest holder's file, registered first")
	require.Equal(t, []transport.Addr{holder.Addr()}, res[0].Holders)
	require.Len(t, res[1].Holders, DefaultMaxConnsPerAddress)
}

// F6: an answer is cut to fit a frame, not only to MaxResults: two
// clients listing 55 files each with 10 KB names used to make the
// answer to "song" (100 results, 1.06 MB) too large to send, and every
// search for it timed out.
func TestSearchAnswerFitsAFrame(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dir, holder, asker := honestDirectory(t, ctx, ServerConfig{})
	all := songs(110, 10_600)
	for _, files := range [][]overlay.File{all[:55], all[55:]} {
		s, err := NewNode(NodeConfig{Directory: dir.Addr(), Files: files})
		require.NoError(t, err)
		defer s.Close()
		require.NoError(t, s.Join(ctx))
	}
	res, err := asker.Search(ctx, "song")
	require.NoError(t, err, "the answer fits a frame")
	require.Equal(t, song.Hash, res[0].Hash)
	require.Equal(t, []transport.Addr{holder.Addr()}, res[0].Holders)
	require.Less(t, len(res), DefaultMaxResults, "cut by bytes")
	require.LessOrEqual(t, (&Found{ID: 1 << 63, Results: res}).Size(), enc.MaxFrame)
	st, err := dir.Stats(ctx)
	require.NoError(t, err)
	require.Positive(t, st.CutAnswers, "the answer was cut (twice when a loaded machine made the asker ask again)")
}
