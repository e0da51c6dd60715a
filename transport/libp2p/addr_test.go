package libp2p_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/libp2p"
)

// serverID is the peer ID of KeyFromSeed("server") (see Example).
const serverID = "12D3KooWAo2aWWG83shnAquCKWo5tqFAWLJdcmb83kUmqgFaNLVR"

func TestSplitAddr(t *testing.T) {
	tests := []struct {
		addr    transport.Addr
		network transport.Addr
		bad     bool
	}{
		{addr: "/ip4/127.0.0.1/tcp/4001/p2p/" + serverID, network: "/ip4/127.0.0.1/tcp/4001"},
		{addr: "/ip6/::1/udp/4001/quic-v1/p2p/" + serverID, network: "/ip6/::1/udp/4001/quic-v1"},
		{addr: "/dns/example.com/tcp/1/p2p/" + serverID, network: "/dns/example.com/tcp/1"},
		{addr: "/p2p/" + serverID, network: ""},
		{addr: "", bad: true},
		{addr: "not an address", bad: true},
		{addr: "/ip4/127.0.0.1/tcp/4001", bad: true},                        // no peer ID
		{addr: "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWnotbase58!", bad: true}, // bad peer ID
		{addr: "/ip4/127.0.0.1/tcp/4001/p2p/" + serverID + "/tcp/1", bad: true},
	}
	for _, tt := range tests {
		t.Run(string(tt.addr), func(t *testing.T) {
			network, id, err := libp2p.SplitAddr(tt.addr)
			if tt.bad {
				require.ErrorIs(t, err, transport.ErrBadAddr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.network, network)
			require.Equal(t, serverID, id)
			joined, err := libp2p.JoinAddr(network, id)
			require.NoError(t, err)
			require.Equal(t, tt.addr, joined)
		})
	}
}

func TestJoinAddrRefuses(t *testing.T) {
	tests := []struct {
		name    string
		network transport.Addr
		id      string
	}{
		{"bad peer ID", "/ip4/127.0.0.1/tcp/1", "QmNotAPeer"},
		{"empty peer ID", "/ip4/127.0.0.1/tcp/1", ""},
		{"bad network", "/ip4/300.0.0.1/tcp/1", serverID},
		{"network with a peer ID", "/ip4/127.0.0.1/tcp/1/p2p/" + serverID, serverID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := libp2p.JoinAddr(tt.network, tt.id)
			require.ErrorIs(t, err, transport.ErrBadAddr)
		})
	}
}

// FuzzSplitAddr checks that SplitAddr never panics, that everything it
// refuses is an ErrBadAddr, and that what it accepts joins back into an
// address that splits the same way.
func FuzzSplitAddr(f *testing.F) {
	f.Add("/ip4/127.0.0.1/tcp/4001/p2p/" + serverID)
	f.Add("/ip6/::1/udp/1/quic-v1/p2p/" + serverID)
	f.Add("/p2p/" + serverID)
	f.Add("/ip4/127.0.0.1/tcp/4001")
	f.Add("/p2p/")
	f.Fuzz(func(t *testing.T, text string) {
		network, id, err := libp2p.SplitAddr(transport.Addr(text))
		if err != nil {
			require.ErrorIs(t, err, transport.ErrBadAddr)
			return
		}
		joined, err := libp2p.JoinAddr(network, id)
		require.NoError(t, err)
		network2, id2, err := libp2p.SplitAddr(joined)
		require.NoError(t, err)
		require.Equal(t, network, network2)
		require.Equal(t, id, id2)
	})
}
