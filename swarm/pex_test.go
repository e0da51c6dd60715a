package swarm

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

func pexOf(n int) wire.Extended {
	m := wire.PEX{}
	for i := range n {
		m.Added = append(m.Added, netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), 6881))
	}
	return wire.Extended{ID: extPEXID, Payload: wire.AppendPEX(nil, m)}
}

// TestPEXBadInput: PEX messages that are too large, odd or too many drop
// their sender; ones that come too often or for a private torrent are
// ignored; the download goes on from the seed.
func TestPEXBadInput(t *testing.T) {
	million := wire.Extended{ID: extPEXID, Payload: []byte("d5:added6000000:" + strings.Repeat("\x0a\x00\x00\x01\x1a\xe1", 1_000_000) + "e")}
	odd := wire.Extended{ID: extPEXID, Payload: []byte("d5:added7:\x0a\x00\x00\x01\x1a\xe1\x00e")}
	hs := wire.Extended{Payload: wire.AppendExtHandshake(nil, wire.ExtHandshake{M: map[string]byte{wire.ExtPEX: 5}})}
	tests := []struct {
		name           string
		private        bool
		msgs           []transport.Message
		dropped        bool
		learnt, ignore int
	}{
		{"well-formed (control)", false, []transport.Message{hs, pexOf(3)}, false, 3, 0},
		{"a million peers", false, []transport.Message{hs, million}, true, 0, 0},
		{"odd length", false, []transport.Message{hs, odd}, true, 0, 0},
		{"more than MaxPEXPeers", false, []transport.Message{hs, pexOf(DefaultMaxPEXPeers + 1)}, true, 0, 0},
		{"too often", false, []transport.Message{hs, pexOf(2), pexOf(2)}, false, 2, 1},
		{"private torrent", true, []transport.Message{hs, pexOf(2)}, false, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := syntheticInfo(8*wire.BlockSize, wire.BlockSize)
			info.Private = tt.private
			ih, err := info.Hash()
			require.NoError(t, err)
			net, err := sim.New(sim.Config{Seed: sim.Seed(t)})
			require.NoError(t, err)
			all := wire.NewBitfield(8)
			for i := range 8 {
				all.Set(i)
			}
			seed := net.AddNode(mustPeer(t, PeerConfig{Info: info, InfoHash: ih, Storage: &VirtualStorage{}, Have: all}))
			var a *attacker
			aAddr := net.AddNode(func(env transport.Env) transport.Handler {
				a = &attacker{env: env, cfg: PeerConfig{InfoHash: ih}, bad: tt.msgs}
				return a
			})
			victim := net.AddNode(mustPeer(t, PeerConfig{Info: info, InfoHash: ih, Storage: &VirtualStorage{}, Peers: []transport.Addr{aAddr, seed}, MaxKnownPeers: 10}))
			net.Run(5 * time.Second)
			require.Equal(t, tt.dropped, a.dropped)
			require.NoError(t, net.Do(victim, func(h transport.Handler) {
				p := h.(*Peer)
				s := p.Stats().Extensions
				require.Equal(t, tt.learnt, s.PEXLearnt)
				require.Equal(t, tt.ignore, s.PEXIgnored)
				if tt.dropped {
					require.Equal(t, 1, s.Dropped)
				}
				require.True(t, p.Complete(), "the download went on")
			}))
		})
	}
}

// TestPEXAmongClients: over loopback TCP, a leecher that knows only one
// peer learns the seed that peer is connected to through PEX, and dials
// it.
func TestPEXAmongClients(t *testing.T) {
	seedDir := t.TempDir()
	_, mi, _ := interopTorrent(t, seedDir, 31, "")
	cfg := ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", Peer: PeerConfig{PEXInterval: 100 * time.Millisecond}}
	newClient := func(c ClientConfig) *Client {
		cl, err := NewClient(c)
		require.NoError(t, err)
		t.Cleanup(func() { cl.Close() })
		return cl
	}
	seed, err := newClient(cfg).Add(mi, seedDir)
	require.NoError(t, err)
	slow := cfg
	slow.Peer.DownloadLimit = 256 << 10 // still downloading, still connected to the seed, when PEX comes
	middle, err := newClient(slow).Add(mi, t.TempDir())
	require.NoError(t, err)
	require.NoError(t, middle.AddPeers(seed.Addr()))
	last, err := newClient(slow).Add(mi, t.TempDir())
	require.NoError(t, err)
	require.NoError(t, last.AddPeers(middle.Addr()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ls, ms Stats
	for {
		s, err := seedStats(ctx, last)
		ms, _ = seedStats(context.Background(), middle)
		require.NoError(t, err, "no PEX in time: last %+v, middle %+v", ls, ms)
		ls = s
		if s.Extensions.PEXLearnt > 0 && s.Peers == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	s, err := seedStats(ctx, middle)
	require.NoError(t, err)
	require.Positive(t, s.Extensions.PEXSent, fmt.Sprintf("%+v", s.Extensions))
}
