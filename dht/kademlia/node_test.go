package kademlia

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// A few Nodes on loopback TCP find each other, store and read values.
func TestNodesOnLoopback(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Every node shares 127.0.0.1: lift the per-IP limits.
	cfg := PeerConfig{K: 8, MaxPerIP: 16, MaxPerSubnet: 16}
	var nodes []*Node
	for i := range 5 {
		n, err := NewNode(NodeConfig{PeerConfig: cfg})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, n.Close()) })
		var boot []transport.Addr
		if i > 0 {
			boot = []transport.Addr{nodes[0].Addr()}
		}
		require.NoError(t, n.Join(ctx, boot...))
		nodes = append(nodes, n)
	}
	stored, err := nodes[1].Put(ctx, []byte("answer"), []byte("42"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, stored, 3)
	for _, n := range nodes {
		got, err := n.Get(ctx, []byte("answer"))
		require.NoError(t, err)
		require.Equal(t, [][]byte{[]byte("42")}, got)
		res, err := n.Lookup(ctx, []byte("answer"))
		require.NoError(t, err)
		require.Len(t, res.Closest, 4, "the other four nodes")
	}
	_, err = nodes[2].Get(ctx, []byte("no such key"))
	require.ErrorIs(t, err, ErrNotFound)
	st, err := nodes[0].Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, 4, st.Contacts)
	require.True(t, st.Joined)

	require.NoError(t, nodes[4].Close())
	_, err = nodes[4].Get(ctx, []byte("answer"))
	require.ErrorIs(t, err, ErrClosed)
}

func TestNodeJoinFailsWithoutBootstrap(t *testing.T) {
	n, err := NewNode(NodeConfig{PeerConfig: PeerConfig{RequestTimeout: 50 * time.Millisecond}})
	require.NoError(t, err)
	defer n.Close()
	dead, err := NewNode(NodeConfig{})
	require.NoError(t, err)
	deadAddr := dead.Addr()
	require.NoError(t, dead.Close())
	err = n.Join(context.Background(), deadAddr)
	require.ErrorIs(t, err, ErrLookupFailed)
	require.Contains(t, err.Error(), string(deadAddr))
	require.NotContains(t, err.Error(), string(n.Addr()))
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg   PeerConfig
		field string
	}{
		{PeerConfig{K: -1}, "K"},
		{PeerConfig{K: 65}, "K"},
		{PeerConfig{K: 4, Alpha: 5}, "Alpha"},
		{PeerConfig{MaxValueSize: 1 << 20}, "MaxValueSize"},
		{PeerConfig{MaxItems: -1}, "MaxItems"},
		{PeerConfig{TokenRotation: -time.Second}, "TokenRotation"},
		{PeerConfig{ValueTTL: time.Hour, RepublishInterval: 2 * time.Hour}, "RepublishInterval"},
		{PeerConfig{MaxValuesPerKey: 1000}, "MaxValuesPerKey"},
	} {
		t.Run(tc.field, func(t *testing.T) {
			err := tc.cfg.Validate()
			require.ErrorIs(t, err, ErrBadConfig)
			require.Contains(t, err.Error(), "kademlia: bad config: PeerConfig."+tc.field)
			_, err = NewPeer(tc.cfg)
			require.ErrorIs(t, err, ErrBadConfig)
		})
	}
	require.NoError(t, PeerConfig{}.Validate())
	require.NoError(t, PeerConfig{K: 8}.Validate())
	_, err := NewNode(NodeConfig{PeerConfig: PeerConfig{Bootstrap: []transport.Addr{"/sim/1"}}})
	require.True(t, errors.Is(err, ErrBadConfig), fmt.Sprint(err))
}
