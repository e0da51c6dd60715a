package swarm

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/transporttest"
	"github.com/stretchr/testify/require"
)

// slowStorage is a Storage whose ReadBlock is slow: the first call blocks
// until release is closed (a disk that hangs), every call sleeps delay,
// and the most calls seen at once is recorded.
type slowStorage struct {
	Storage
	delay   time.Duration
	started chan struct{} // closed when the first ReadBlock blocks
	release chan struct{}
	first   atomic.Bool // the first ReadBlock was made

	now, most atomic.Int32
}

func newSlowStorage(st Storage, delay time.Duration, hang bool) *slowStorage {
	s := &slowStorage{Storage: st, delay: delay, started: make(chan struct{}), release: make(chan struct{})}
	if !hang {
		s.first.Store(true)
		close(s.started)
		close(s.release)
	}
	return s
}

func (s *slowStorage) ReadBlock(piece, begin, length int) ([]byte, error) {
	n := s.now.Add(1)
	defer s.now.Add(-1)
	for m := s.most.Load(); n > m && !s.most.CompareAndSwap(m, n); m = s.most.Load() {
	}
	if s.first.CompareAndSwap(false, true) {
		close(s.started)
		<-s.release
	}
	time.Sleep(s.delay)
	return s.Storage.ReadBlock(piece, begin, length)
}

// slowSeed seeds a 1 MiB file over loopback TCP from st (wrapping the
// file's storage) with the peer config tune.
func slowSeed(t *testing.T, delay time.Duration, hang bool, tune PeerConfig) (*metainfo.MetaInfo, *transport.Host, *slowStorage) {
	t.Helper()
	dir := t.TempDir()
	writeRandomFile(t, dir, "f", 1<<20, 9)
	mi, err := metainfo.Create(filepath.Join(dir, "f"), metainfo.CreateConfig{PieceLength: 64 << 10})
	require.NoError(t, err)
	fs, err := OpenFileStorage(&mi.Info, dir, FileStorageConfig{})
	require.NoError(t, err)
	t.Cleanup(func() { fs.Close() })
	st := newSlowStorage(fs, delay, hang)
	all := wire.NewBitfield(mi.Info.NumPieces())
	for i := range mi.Info.NumPieces() {
		all.Set(i)
	}
	tune.Info, tune.InfoHash, tune.Storage, tune.Have = &mi.Info, mi.InfoHash, st, all
	h, err := transport.NewHost(transport.HostConfig{
		Stream: transport.TCP{}, Listen: "/ip4/127.0.0.1/tcp/0", OffloadWorkers: 4,
		Codec: wire.NewCodec(wire.CodecConfig{InfoHash: mi.InfoHash, PeerID: wire.NewPeerID()}),
	}, mustPeer(t, tune))
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	t.Cleanup(st.unblock) // runs first: a hung read must not hold Close
	return mi, h, st
}

func (s *slowStorage) unblock() {
	select {
	case <-s.release:
	default:
		close(s.release)
	}
}

// TestSlowReadBlockDoesNotStallTheLoop: a seeder whose disk hangs on one
// leecher's read still answers on its loop at once and serves a second
// leecher in full; once the disk recovers the first one completes too.
// (The old code read blocks on the loop: the hung read stopped the loop,
// its keep-alives and every other peer.)
func TestSlowReadBlockDoesNotStallTheLoop(t *testing.T) {
	mi, seed, st := slowSeed(t, 0, true, PeerConfig{})
	a, err := loopbackClient(t).Add(mi, t.TempDir())
	require.NoError(t, err)
	require.NoError(t, a.AddPeers(seed.Addr()))
	select {
	case <-st.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the first leecher never asked for a block")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = transport.Do(ctx, seed, func(reply func(bool, error)) { reply(true, nil) })
	require.NoError(t, err, "the seeder's loop runs while a read hangs")

	b, err := loopbackClient(t).Add(mi, t.TempDir())
	require.NoError(t, err)
	require.NoError(t, b.AddPeers(seed.Addr()))
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, b.Download(ctx), "another leecher is served while a read hangs")

	st.unblock()
	require.NoError(t, a.Download(ctx), "the first leecher completes once the disk recovers")
}

// TestReadsInFlightAreBoundedPerPeer: with every read slow, one leecher
// never has more than MaxReadsPerPeer reads in flight at the seeder, yet
// they overlap (reads run off the loop, several at once).
func TestReadsInFlightAreBoundedPerPeer(t *testing.T) {
	mi, seed, st := slowSeed(t, 2*time.Millisecond, false, PeerConfig{MaxReadsPerPeer: 3})
	l, err := loopbackClient(t).Add(mi, t.TempDir())
	require.NoError(t, err)
	require.NoError(t, l.AddPeers(seed.Addr()))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, l.Download(ctx))
	require.LessOrEqual(t, st.most.Load(), int32(3), "reads in flight for one peer")
	require.GreaterOrEqual(t, st.most.Load(), int32(2), "reads overlap")
}

// TestReadsForAPeerThatLeftAreDropped walks a seeder on a FakeEnv, whose
// Offload runs the read at once and delivers it on Advance: a block read
// for a request that was cancelled, for a peer we choked or for one that
// went away meanwhile is not sent, and counted in ReadsDiscarded; the
// rest are sent; MaxReadsPerPeer bounds the reads one peer has in flight.
func TestReadsForAPeerThatLeftAreDropped(t *testing.T) {
	info := syntheticInfo(1<<20, 64<<10)
	all := fullBitfield(info.NumPieces())
	env := transporttest.NewFakeEnv("/sim/0", 1)
	defer env.Close()
	cfg := PeerConfig{Info: info, Storage: &VirtualStorage{}, Have: all, MaxReadsPerPeer: 2}
	require.NoError(t, cfg.Validate())
	p := newPeer(env, cfg.withDefaults())
	conn := transport.Conn{ID: 1, Peer: "/sim/1", Inbound: true}
	p.Connected(conn)
	p.Receive(conn, wire.Handshake{InfoHash: cfg.InfoHash, PeerID: wire.NewPeerID()})
	p.Receive(conn, wire.Interested{})
	c := p.conns[conn.Peer]
	require.False(t, c.amChoking, "a free slot unchokes the peer")
	block := func(k int) wire.Request {
		return wire.Request{Index: uint32(k / 4), Begin: uint32(k%4) * wire.BlockSize, Length: wire.BlockSize}
	}
	pieces := func() (n int) {
		for _, s := range env.Sent() {
			if _, ok := s.Msg.(wire.Piece); ok {
				n++
			}
		}
		env.ClearSent()
		return n
	}
	env.ClearSent()

	for k := range 5 {
		p.Receive(conn, block(k))
	}
	require.Len(t, c.reads, 2, "MaxReadsPerPeer reads in flight")
	require.Equal(t, 3, c.queued, "the rest wait")
	p.Receive(conn, wire.Cancel(block(0)))
	env.Advance(0)
	require.Equal(t, 4, pieces(), "every block but the cancelled one")
	require.Equal(t, 1, p.Stats().ReadsDiscarded)

	p.Receive(conn, block(6))
	p.Receive(conn, block(7))
	p.setChoke(c, true)
	env.Advance(0)
	require.Zero(t, pieces(), "nothing is sent to a peer we choked")
	require.Equal(t, 3, p.Stats().ReadsDiscarded)

	p.setChoke(c, false)
	p.Receive(conn, block(8))
	p.Disconnected(conn, nil)
	env.Advance(0)
	require.Zero(t, pieces(), "nothing is sent to a peer that left")
	require.Equal(t, 4, p.Stats().ReadsDiscarded)
	require.Zero(t, p.reading, "no read is left in flight")
}
