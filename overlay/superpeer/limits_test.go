package superpeer

import (
	"fmt"
	"testing"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/transporttest"
	"github.com/stretchr/testify/require"
)

// One host cannot take every child slot of a leader, nor publish files
// under another host's address; a child from another host still gets in.
func TestOneHostCannotFillALeader(t *testing.T) {
	newPeer, err := NewPeer(PeerConfig{Leader: true, KeepAlive: -1})
	require.NoError(t, err)
	env := transporttest.NewFakeEnv("/ip4/10.0.0.1/tcp/7000", 1)
	leader := newPeer(env).(*Peer)
	song := overlay.NewFile("song.ogg", []byte("la"))
	publish := func(from, holder transport.Addr) {
		c := transport.Conn{Peer: from, Inbound: true}
		leader.Connected(c)
		leader.Receive(c, &Publish{Addr: holder, Files: []overlay.File{song}})
	}
	for i := range 50 { // one attacker host, many ports
		a := transport.Addr(fmt.Sprintf("/ip4/192.0.2.66/tcp/%d", 10000+i))
		publish(a, a)
	}
	st := leader.Stats()
	require.Equal(t, DefaultMaxChildrenPerHost, st.Children)
	require.Equal(t, uint64(50-DefaultMaxChildrenPerHost), st.RefusedChildren)

	publish("/ip4/192.0.2.66/tcp/20000", "/ip4/198.51.100.9/tcp/6346") // names a victim
	require.Equal(t, uint64(1), leader.Stats().RefusedHolders)

	honest := transport.Addr("/ip4/198.51.100.7/tcp/40000")
	publish(honest, "/ip4/198.51.100.7/tcp/6346")
	st = leader.Stats()
	require.Equal(t, DefaultMaxChildrenPerHost+1, st.Children, "the honest child is indexed")
	res := leader.index.Lookup("song")
	require.Len(t, res, 1)
	require.Len(t, res[0].Holders, DefaultMaxChildrenPerHost+1)
	require.Contains(t, res[0].Holders, transport.Addr("/ip4/198.51.100.7/tcp/6346"))
}
