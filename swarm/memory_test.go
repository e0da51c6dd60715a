package swarm

import (
	"runtime"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// fakeSeed is a minimal simulated seed: it answers the handshake with its
// (shared) full bitfield and an unchoke, and every request with a block of
// the shared virtual content. It keeps no per-peer state, so a thousand of
// them cost little next to the peer under test.
type fakeSeed struct {
	env      transport.Env
	infoHash metainfo.Hash
	all      wire.Bitfield
}

func (f *fakeSeed) Receive(c transport.Conn, m transport.Message) {
	switch m := m.(type) {
	case wire.Handshake:
		var id wire.PeerID
		copy(id[:], f.env.Self())
		_ = f.env.Send(c.Peer, wire.Handshake{InfoHash: f.infoHash, PeerID: id})
		_ = f.env.Send(c.Peer, f.all)
		_ = f.env.Send(c.Peer, wire.Unchoke{})
	case wire.Request:
		_ = f.env.Send(c.Peer, wire.Piece{Index: m.Index, Begin: m.Begin, Data: virtualContent[:m.Length:m.Length]})
	}
}
func (f *fakeSeed) Connected(transport.Conn)           {}
func (f *fakeSeed) Disconnected(transport.Conn, error) {}

// copyingStorage stages real copies of blocks, as FileStorage does, so the
// test counts the memory of pieces in progress.
type copyingStorage struct {
	VirtualStorage
	staged map[int][][]byte
}

func (s *copyingStorage) StageBlock(piece, begin int, data []byte) error {
	s.staged[piece] = append(s.staged[piece], append([]byte(nil), data...))
	return nil
}

func (s *copyingStorage) CommitPiece(piece int, _ metainfo.Hash) error {
	delete(s.staged, piece)
	return nil
}

// TestMemoryWith1000PeersAnd10GiB: a peer downloading a 10 GiB torrent
// from 1000 connected peers holds well under 100 MB of heap: pieces in
// progress draw from one memory budget, not from a queue per peer.
func TestMemoryWith1000PeersAnd10GiB(t *testing.T) {
	if testing.Short() {
		t.Skip("memory test takes a few seconds; skipped under -short")
	}
	if raceEnabled {
		t.Skip("under the race detector the run takes ten times as long and measures the detector as much as the peer")
	}
	const size = 10 << 30
	info := syntheticInfo(size, 256<<10)
	ih, err := info.Hash()
	require.NoError(t, err)
	net, err := sim.New(sim.Config{Seed: sim.Seed(t), LatencyMin: 20 * time.Millisecond, LatencyMax: 20 * time.Millisecond})
	require.NoError(t, err)
	all := fullBitfield(info.NumPieces())
	var seeds []transport.Addr
	for range 1000 {
		a, err := net.AddNodeWith(func(env transport.Env) transport.Handler {
			return &fakeSeed{env: env, infoHash: ih, all: all}
		}, sim.Capacity{UpBytesPerSec: 1 << 20})
		require.NoError(t, err)
		seeds = append(seeds, a)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	st := &copyingStorage{staged: map[int][][]byte{}}
	leech, err := net.AddNodeWith(mustPeer(t, PeerConfig{
		Info: info, InfoHash: ih, Storage: st, Peers: seeds, MaxPeers: 1000,
	}), sim.Capacity{DownBytesPerSec: 1 << 30})
	require.NoError(t, err)
	// Every 100 ms of simulated time, collect and read the live heap. The
	// heap before a collection also holds garbage, whose amount depends
	// on when the collector last ran (machine load, GOGC), not on the
	// peer: measured that way the same run reads 75 to 117 MB.
	var peak uint64
	var sample func()
	sample = func() {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapAlloc)
		net.AfterFunc(100*time.Millisecond, sample)
	}
	net.AfterFunc(100*time.Millisecond, sample)
	net.Run(5 * time.Second)

	var stats Stats
	require.NoError(t, net.Do(leech, func(h transport.Handler) { stats = h.(*Peer).Stats() }))
	// The peak live heap growth is what the peer holds.
	heap := int64(peak) - int64(before.HeapAlloc)
	t.Logf("peers %d, downloaded %d MiB, peak live heap growth %.1f MB", stats.Peers, stats.Downloaded>>20, float64(heap)/1e6)
	require.Equal(t, 1000, stats.Peers)
	require.Greater(t, stats.Downloaded, int64(500<<20), "it downloads at full speed meanwhile")
	require.Less(t, heap, int64(100e6))
}
