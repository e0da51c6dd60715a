package swarm

import (
	"slices"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// metaLiar speaks BEP 10 and answers metadata requests as lie says.
type metaLiar struct {
	env     transport.Env
	ih      metainfo.Hash
	size    int64
	lie     func(req wire.Metadata) wire.Metadata
	dropped bool
}

func (a *metaLiar) Receive(c transport.Conn, m transport.Message) {
	switch m := m.(type) {
	case wire.Handshake:
		_ = a.env.Send(c.Peer, wire.Handshake{Reserved: wire.WithExtensions([8]byte{}), InfoHash: a.ih, PeerID: wire.PeerID{9}})
		eh := wire.ExtHandshake{M: map[string]byte{wire.ExtMetadata: 3}, MetadataSize: a.size}
		_ = a.env.Send(c.Peer, wire.Extended{Payload: wire.AppendExtHandshake(nil, eh)})
	case wire.Extended:
		if md, err := wire.ParseMetadata(m.Payload); err == nil && m.ID == 3 && a.lie != nil {
			_ = a.env.Send(c.Peer, wire.Extended{ID: extMetadataID, Payload: wire.AppendMetadata(nil, a.lie(md))})
		}
	}
}
func (a *metaLiar) Connected(transport.Conn)               {}
func (a *metaLiar) Disconnected(_ transport.Conn, _ error) { a.dropped = true }

// TestMagnetInSimulator: a fetcher that knows only the info-hash gets
// the info dictionary (2 metadata pieces) from a seeding Peer, checks
// it, and a Peer built from it downloads the torrent; peers sending bad
// metadata are dropped and counted, and the fetch goes on.
func TestMagnetInSimulator(t *testing.T) {
	info := syntheticInfo(900*wire.BlockSize, wire.BlockSize) // 900 hashes: 18 KB of metadata
	ih, err := info.Hash()
	require.NoError(t, err)
	raw, err := info.Marshal()
	require.NoError(t, err)
	size := int64(len(raw))
	require.Equal(t, 2, wire.MetadataPieces(size))
	garbage := func(req wire.Metadata) wire.Metadata {
		n := min(size-int64(req.Piece)*wire.MetadataPieceSize, wire.MetadataPieceSize)
		return wire.Metadata{Type: wire.MetadataData, Piece: req.Piece, TotalSize: size, Data: make([]byte, n)}
	}
	tests := []struct {
		name  string
		size  int64
		lie   func(wire.Metadata) wire.Metadata
		count func(MetadataStats) int
	}{
		{"honest seed only", 0, nil, nil},
		{"metadata failing the hash", size, garbage, func(s MetadataStats) int { return s.BadMetadata }},
		{"total_size of 2^40", 1 << 40, nil, func(s MetadataStats) int { return s.Dropped }},
		{"piece index out of range", size, func(r wire.Metadata) wire.Metadata {
			m := garbage(r)
			m.Piece = 1 << 20
			return m
		}, func(s MetadataStats) int { return s.Dropped }},
		{"total_size changed", size, func(r wire.Metadata) wire.Metadata {
			m := garbage(r)
			m.TotalSize = 1 << 40
			return m
		}, func(s MetadataStats) int { return s.Dropped }},
		{"rejects", size, func(r wire.Metadata) wire.Metadata { return wire.Metadata{Type: wire.MetadataReject, Piece: r.Piece} },
			func(s MetadataStats) int { return s.Rejected }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			net, err := sim.New(sim.Config{Seed: sim.Seed(t)})
			require.NoError(t, err)
			all := fullBitfield(info.NumPieces())
			seed := net.AddNode(mustPeer(t, PeerConfig{Info: info, InfoHash: ih, Storage: &VirtualStorage{}, Have: all}))
			peers := []transport.Addr{seed}
			var liar *metaLiar
			if tt.size != 0 {
				la := net.AddNode(func(env transport.Env) transport.Handler {
					liar = &metaLiar{env: env, ih: ih, size: tt.size, lie: tt.lie}
					return liar
				})
				peers = []transport.Addr{la} // the liar alone first; the seed comes later
			}
			var got *metainfo.Info
			var gotRaw []byte
			newFetcher, err := NewMetadataFetcher(MetadataConfig{InfoHash: ih, Peers: peers, RequestTimeout: 2 * time.Second,
				OnInfo: func(i *metainfo.Info, raw []byte, err error) {
					require.NoError(t, err)
					got, gotRaw = i, raw
				}})
			require.NoError(t, err)
			fetcher := net.AddNode(newFetcher)
			net.Run(5 * time.Second)
			require.NoError(t, net.Do(fetcher, func(h transport.Handler) { h.(*MetadataFetcher).AddPeers(seed) }))
			net.Run(20 * time.Second)
			require.NotNil(t, got, "the metadata arrived")
			require.Equal(t, raw, gotRaw)
			require.NoError(t, net.Do(fetcher, func(h transport.Handler) {
				s := h.(*MetadataFetcher).Stats()
				require.Equal(t, 2, s.Pieces)
				if tt.count != nil {
					require.GreaterOrEqual(t, tt.count(s), 1, "%+v", s)
				}
			}))
			if tt.size != 0 && tt.name != "rejects" {
				require.True(t, liar.dropped, "the liar was dropped")
			}
			require.NoError(t, net.Do(seed, func(h transport.Handler) {
				require.GreaterOrEqual(t, h.(*Peer).Stats().Extensions.MetadataServed, 2)
			}))
			if tt.size != 0 {
				return // the metadata is the same bytes; downloading once is enough
			}
			// Download as usual from what the fetcher got.
			leech := net.AddNode(mustPeer(t, PeerConfig{Info: got, InfoHash: ih, Storage: &VirtualStorage{}, Peers: []transport.Addr{seed}}))
			net.Run(60 * time.Second)
			require.NoError(t, net.Do(leech, func(h transport.Handler) {
				require.True(t, h.(*Peer).Complete())
			}))
		})
	}
}

// TestPeerServesMetadata: a Peer answers a request for a metadata piece
// out of range with a reject, and one past its backlog bound not at all;
// a malformed extended handshake drops its sender.
func TestPeerServesMetadata(t *testing.T) {
	info := syntheticInfo(8*wire.BlockSize, wire.BlockSize)
	ih, err := info.Hash()
	require.NoError(t, err)
	for _, tt := range []struct {
		name    string
		msgs    []transport.Message
		dropped bool
	}{
		{"request out of range", []transport.Message{
			wire.Extended{Payload: wire.AppendExtHandshake(nil, wire.ExtHandshake{M: map[string]byte{wire.ExtMetadata: 3}})},
			wire.Extended{ID: extMetadataID, Payload: wire.AppendMetadata(nil, wire.Metadata{Type: wire.MetadataRequest, Piece: 5})},
		}, false},
		{"request flood", append([]transport.Message{
			wire.Extended{Payload: wire.AppendExtHandshake(nil, wire.ExtHandshake{M: map[string]byte{wire.ExtMetadata: 3}})},
		}, slices.Repeat([]transport.Message{wire.Extended{ID: extMetadataID, Payload: wire.AppendMetadata(nil, wire.Metadata{Type: wire.MetadataRequest})}}, 20)...), false},
		{"malformed extended handshake", []transport.Message{wire.Extended{Payload: []byte("d1:md")}}, true},
		{"malformed metadata message", []transport.Message{wire.Extended{ID: extMetadataID, Payload: []byte("i1e")}}, true},
		{"unknown extension id", []transport.Message{wire.Extended{ID: 77, Payload: []byte("junk")}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			net, err := sim.New(sim.Config{Seed: sim.Seed(t)})
			require.NoError(t, err)
			var a *attacker
			aAddr := net.AddNode(func(env transport.Env) transport.Handler {
				a = &attacker{env: env, cfg: PeerConfig{InfoHash: ih}, bad: tt.msgs}
				return a
			})
			victim := net.AddNode(mustPeer(t, PeerConfig{Info: info, InfoHash: ih, Storage: &VirtualStorage{}, Peers: []transport.Addr{aAddr}}))
			net.Run(5 * time.Second)
			require.Equal(t, tt.dropped, a.dropped)
			require.NoError(t, net.Do(victim, func(h transport.Handler) {
				s := h.(*Peer).Stats().Extensions
				if tt.dropped {
					require.Equal(t, 1, s.Dropped)
				}
				switch tt.name {
				case "request out of range":
					require.Equal(t, 1, s.MetadataRejected)
				case "request flood": // 1 piece of metadata: 2×1+8 served
					require.Equal(t, 10, s.MetadataServed)
					require.Equal(t, 10, s.MetadataRejected)
				}
			}))
		})
	}
}
