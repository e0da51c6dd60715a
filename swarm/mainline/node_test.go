package mainline

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dht/kademlia"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// loopback is a Config for many nodes at 127.0.0.1.
func loopback() Config {
	return Config{MaxPerIP: 64, MaxPerSubnet: 64, MaxRequestRate: 100000, MaxPeersPerSender: 100000, RequestTimeout: 500 * time.Millisecond}
}

func newNodes(t *testing.T, n int, cfg Config) []*Node {
	t.Helper()
	nodes := make([]*Node, n)
	for i := range nodes {
		nd, err := NewNode(NodeConfig{Config: cfg})
		require.NoError(t, err)
		t.Cleanup(func() { nd.Close() })
		nodes[i] = nd
	}
	return nodes
}

func TestNodesFindAnnouncedPeer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	nodes := newNodes(t, 12, loopback())
	for _, nd := range nodes[1:] {
		require.NoError(t, nd.Bootstrap(ctx, nodes[0].Addr()))
	}
	require.NoError(t, nodes[0].Bootstrap(ctx, nodes[1].Addr()))
	ih := metainfo.Hash(kademlia.HashKey([]byte("a torrent")))
	accepted, err := nodes[3].Announce(ctx, ih, 6881)
	require.NoError(t, err)
	require.Positive(t, accepted)
	peers, err := nodes[9].GetPeers(ctx, ih)
	require.NoError(t, err)
	want := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), 6881)
	require.Contains(t, peers, want)

	// implied_port: the announcing node's own UDP port.
	ih2 := metainfo.Hash(kademlia.HashKey([]byte("another")))
	_, err = nodes[5].Announce(ctx, ih2, 0)
	require.NoError(t, err)
	peers, err = nodes[7].GetPeers(ctx, ih2)
	require.NoError(t, err)
	require.Contains(t, peers, nodes[5].AddrPort())

	st, err := nodes[0].Stats(ctx)
	require.NoError(t, err)
	require.Positive(t, st.Contacts)
	require.Positive(t, st.Pings+st.FindNodes)
}

func TestReadOnlyNodeStaysOutOfTables(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	nodes := newNodes(t, 4, loopback())
	for _, nd := range nodes[1:] {
		require.NoError(t, nd.Bootstrap(ctx, nodes[0].Addr()))
	}
	cfg := loopback()
	cfg.ReadOnly = true
	ro := newNodes(t, 1, cfg)[0]
	require.NoError(t, ro.Bootstrap(ctx, nodes[0].Addr()))
	ih := metainfo.Hash(kademlia.HashKey([]byte("ro")))
	_, err := nodes[1].Announce(ctx, ih, 1234)
	require.NoError(t, err)
	peers, err := ro.GetPeers(ctx, ih)
	require.NoError(t, err)
	require.Len(t, peers, 1)
	for _, nd := range nodes {
		cs, err := nd.Contacts(ctx)
		require.NoError(t, err)
		for _, c := range cs {
			require.NotEqual(t, ro.ID(), c.ID, "a read-only node entered a routing table")
		}
	}
	// It answers nothing.
	pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
	defer pcancel()
	_, err = nodes[0].Ping(pctx, ro.Addr())
	require.Error(t, err)
	st, err := nodes[0].Stats(ctx)
	require.NoError(t, err)
	require.Positive(t, st.ReadOnlyQueries)
}

func TestBootstrapFailsWithNobody(t *testing.T) {
	cfg := loopback()
	cfg.RequestTimeout = 100 * time.Millisecond
	nd := newNodes(t, 1, cfg)[0]
	dead, err := transport.UDPAddr("127.0.0.1:9")
	require.NoError(t, err)
	err = nd.Bootstrap(context.Background(), dead)
	require.ErrorIs(t, err, ErrNoNodes)
	_, err = nd.GetPeers(context.Background(), metainfo.Hash{})
	require.ErrorIs(t, err, ErrNoNodes)
}

func TestNodeClose(t *testing.T) {
	nd := newNodes(t, 1, Config{})[0]
	require.NoError(t, nd.Close())
	require.NoError(t, nd.Close())
	_, err := nd.Stats(context.Background())
	require.ErrorIs(t, err, ErrClosed)
}

// TestIPv6Nodes: nodes on ::1 exchange nodes6 (BEP 32) and 18-byte
// compact peers.
func TestIPv6Nodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var nodes []*Node
	for range 6 {
		nd, err := NewNode(NodeConfig{Config: loopback(), Listen: "/ip6/::1/udp/0"})
		if err != nil {
			t.Skipf("no IPv6 loopback: %v", err)
		}
		t.Cleanup(func() { nd.Close() })
		nodes = append(nodes, nd)
	}
	for _, nd := range nodes[1:] {
		require.NoError(t, nd.Bootstrap(ctx, nodes[0].Addr()))
	}
	cs, err := nodes[5].Contacts(ctx)
	require.NoError(t, err)
	require.Greater(t, len(cs), 1, "learned nodes through nodes6")
	ih := metainfo.Hash(kademlia.HashKey([]byte("six")))
	_, err = nodes[2].Announce(ctx, ih, 0)
	require.NoError(t, err)
	peers, err := nodes[4].GetPeers(ctx, ih)
	require.NoError(t, err)
	require.Contains(t, peers, nodes[2].AddrPort())
}

// TestNodeOnGivenConn: a node runs on a socket opened elsewhere (a port
// shared through a demux) and closes it on Close.
func TestNodeOnGivenConn(t *testing.T) {
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	nd, err := NewNode(NodeConfig{Config: loopback(), Conn: pc})
	require.NoError(t, err)
	require.Equal(t, pc.LocalAddr().(*net.UDPAddr).AddrPort(), nd.AddrPort())
	other := newNodes(t, 1, loopback())[0]
	id, err := other.Ping(context.Background(), nd.Addr())
	require.NoError(t, err)
	require.Equal(t, nd.ID(), id)
	require.NoError(t, nd.Close())
	_, err = pc.WriteToUDP([]byte("x"), pc.LocalAddr().(*net.UDPAddr))
	require.Error(t, err, "Close closed the socket")
}
