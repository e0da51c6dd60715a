package dht

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/libp2p"
	"github.com/stretchr/testify/require"
)

// tcpRing starts n nodes on loopback TCP, joined one by one through the
// first, with fast maintenance.
func tcpRing(t testing.TB, n int, cfg PeerConfig) []*Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if cfg.StabilizeInterval == 0 {
		cfg.StabilizeInterval = 100 * time.Millisecond
		cfg.CheckPredInterval = 100 * time.Millisecond
		cfg.FixFingersInterval = 100 * time.Millisecond
	}
	var nodes []*Node
	t.Cleanup(func() {
		for _, nd := range nodes {
			nd.Close()
		}
	})
	for i := range n {
		nd, err := NewNode(NodeConfig{PeerConfig: cfg})
		require.NoError(t, err)
		nodes = append(nodes, nd)
		var boot []transport.Addr
		if i > 0 {
			boot = append(boot, nodes[0].Addr())
		}
		require.NoError(t, nd.Join(ctx, boot...))
	}
	return nodes
}

func TestNodeOverTCP(t *testing.T) {
	nodes := tcpRing(t, 8, PeerConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	time.Sleep(500 * time.Millisecond) // a few stabilization rounds

	for i := range 20 {
		key := fmt.Appendf(nil, "key-%d", i)
		require.NoError(t, nodes[i%len(nodes)].Put(ctx, key, fmt.Appendf(nil, "value-%d", i)))
	}
	for i := range 20 {
		v, err := nodes[(i+3)%len(nodes)].Get(ctx, fmt.Appendf(nil, "key-%d", i))
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("value-%d", i), string(v))
	}
	r, err := nodes[2].Lookup(ctx, []byte("key-1"))
	require.NoError(t, err)
	require.Equal(t, r.Hops, len(r.Path))
	// The owner is the key's immediate successor among the nodes.
	var ids []ID
	for _, nd := range nodes {
		ids = append(ids, nd.ID())
	}
	require.Equal(t, immediateSuccessor(ids, r.Key), r.Owner.ID)

	require.NoError(t, nodes[1].Delete(ctx, []byte("key-1")))
	_, err = nodes[4].Get(ctx, []byte("key-1"))
	require.ErrorIs(t, err, ErrNotFound)

	m, err := nodes[2].Stats(ctx)
	require.NoError(t, err)
	require.Positive(t, m.Lookups)
	require.Positive(t, m.MessagesSent)
	st, err := nodes[2].State(ctx)
	require.NoError(t, err)
	require.True(t, st.Joined)
	require.NotEmpty(t, st.Successors)
}

func TestNodeKeysSurviveACrashAndALeave(t *testing.T) {
	nodes := tcpRing(t, 6, PeerConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	time.Sleep(300 * time.Millisecond)
	for i := range 30 {
		require.NoError(t, nodes[0].Put(ctx, fmt.Appendf(nil, "k%d", i), []byte("v")))
	}
	require.NoError(t, nodes[3].Close())    // abrupt
	require.NoError(t, nodes[4].Leave(ctx)) // graceful
	time.Sleep(time.Second)                 // failure noticed, replicas restored
	for i := range 30 {
		_, err := nodes[5].Get(ctx, fmt.Appendf(nil, "k%d", i))
		require.NoError(t, err, "k%d", i)
	}
}

func TestNodeErrors(t *testing.T) {
	nd, err := NewNode(NodeConfig{})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = nd.Get(ctx, []byte("k"))
	require.ErrorIs(t, err, ErrNotJoined)
	require.NoError(t, nd.Join(ctx))
	err = nd.Put(ctx, []byte("k"), make([]byte, DefaultMaxValueSize+1))
	require.ErrorIs(t, err, ErrValueTooLarge)
	require.NoError(t, nd.Close())
	_, err = nd.Get(ctx, []byte("k"))
	require.ErrorIs(t, err, ErrClosed)

	_, err = NewNode(NodeConfig{PeerConfig: PeerConfig{Bits: 999}})
	require.ErrorIs(t, err, ErrBadConfig)

	// Joining through nothing that answers fails with context.
	nd2, err := NewNode(NodeConfig{PeerConfig: PeerConfig{RequestTimeout: 100 * time.Millisecond, OperationTimeout: time.Second}})
	require.NoError(t, err)
	defer nd2.Close()
	err = nd2.Join(ctx, "/ip4/127.0.0.1/tcp/1")
	require.ErrorIs(t, err, ErrLookupFailed)
	require.Contains(t, err.Error(), "dht: join")
}

// immediateSuccessor is the oracle: the first ID equal to or after key.
func immediateSuccessor(ids []ID, key ID) ID {
	best, first := ID{}, ID{}
	haveBest, haveFirst := false, false
	for _, id := range ids {
		if !haveFirst || compare(id, first) < 0 {
			first, haveFirst = id, true
		}
		if compare(id, key) >= 0 && (!haveBest || compare(id, best) < 0) {
			best, haveBest = id, true
		}
	}
	if haveBest {
		return best
	}
	return first
}

func TestNodeOverLibp2p(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var nodes []*Node
	for i := range 4 {
		tr, err := libp2p.New(libp2p.Config{Key: libp2p.KeyFromSeed(fmt.Sprint("dht-test-", i)), Transports: []libp2p.Kind{libp2p.TCP}})
		require.NoError(t, err)
		t.Cleanup(func() { tr.Close() })
		nd, err := NewNode(NodeConfig{PeerConfig: PeerConfig{StabilizeInterval: 100 * time.Millisecond}, Transport: tr})
		require.NoError(t, err)
		t.Cleanup(func() { nd.Close() })
		nodes = append(nodes, nd)
		_, id, err := libp2p.SplitAddr(nd.Addr())
		require.NoError(t, err)
		require.Equal(t, nd.Space().Hash([]byte(id)), nd.ID(), "the ID derives from the libp2p peer ID")
		var boot []transport.Addr
		if i > 0 {
			boot = append(boot, nodes[0].Addr())
		}
		require.NoError(t, nd.Join(ctx, boot...))
	}
	require.NoError(t, nodes[1].Put(ctx, []byte("alice"), []byte("10.0.0.7")))
	v, err := nodes[3].Get(ctx, []byte("alice"))
	require.NoError(t, err)
	require.Equal(t, "10.0.0.7", string(v))
}

// TestNodeConfigRejectsUnusedFields: a Node joins through Join, so
// Bootstrap and OnJoined, which it would not use, are errors rather than
// silently dropped.
func TestNodeConfigRejectsUnusedFields(t *testing.T) {
	for _, tt := range []struct {
		name, field string
		cfg         NodeConfig
	}{
		{"bootstrap", "Bootstrap", NodeConfig{PeerConfig: PeerConfig{Bootstrap: []transport.Addr{"/ip4/127.0.0.1/tcp/1"}}}},
		{"on joined", "OnJoined", NodeConfig{PeerConfig: PeerConfig{OnJoined: func(*Peer) {}}}},
		{"peer field", "Bits", NodeConfig{PeerConfig: PeerConfig{Bits: 999}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewNode(tt.cfg)
			require.ErrorIs(t, err, ErrBadConfig)
			require.Contains(t, err.Error(), tt.field)
		})
	}
	require.NoError(t, NodeConfig{}.Validate())
}

// TestNewPeerReturnsConfigErrors: a bad PeerConfig is an error, not a
// panic.
func TestNewPeerReturnsConfigErrors(t *testing.T) {
	nh, err := NewPeer(PeerConfig{StabilizeInterval: -time.Second})
	require.ErrorIs(t, err, ErrBadConfig)
	require.Nil(t, nh)
	nh, err = NewPeer(PeerConfig{})
	require.NoError(t, err)
	require.NotNil(t, nh)
}
