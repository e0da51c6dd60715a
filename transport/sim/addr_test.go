package sim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in         transport.Addr
		node, port int
		ok         bool
	}{
		{"/sim/0", 0, 0, true},
		{"/sim/42", 42, 0, true},
		{"/sim/42/7", 42, 7, true},
		{"/sim/2147483647", 2147483647, 0, true},
		{"/sim/2147483648", 0, 0, false},
		{"/sim/042", 0, 0, false},
		{"/sim/42/0", 0, 0, false},
		{"/sim/42/07", 0, 0, false},
		{"/sim/42/", 0, 0, false},
		{"/sim/", 0, 0, false},
		{"/sim/-1", 0, 0, false},
		{"/sim/1/2/3", 0, 0, false},
		{"/ip4/127.0.0.1/tcp/1", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(string(tc.in), func(t *testing.T) {
			node, port, err := sim.ParseAddr(tc.in)
			if !tc.ok {
				require.ErrorIs(t, err, transport.ErrBadAddr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.node, node)
			require.Equal(t, tc.port, port)
		})
	}
}

func TestAddrRoundTrip(t *testing.T) {
	require.Equal(t, transport.Addr("/sim/3"), sim.NodeAddr(3))
	require.Equal(t, transport.Addr("/sim/3/9"), sim.EndpointAddr(3, 9))
	node, port, err := sim.ParseAddr(sim.EndpointAddr(12345, 678))
	require.NoError(t, err)
	require.Equal(t, [2]int{12345, 678}, [2]int{node, port})
}

// FuzzParseAddr checks that the parser never panics and accepts only the
// canonical text of what it returns.
func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"/sim/0", "/sim/42/7", "/sim/", "/sim/01", "/sim/9999999999", "/x/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		node, port, err := sim.ParseAddr(transport.Addr(s))
		if err != nil {
			return
		}
		want := sim.NodeAddr(node)
		if port != 0 {
			want = sim.EndpointAddr(node, port)
		}
		if string(want) != s {
			t.Fatalf("%q parsed as node %d port %d, whose text is %q", s, node, port, want)
		}
	})
}
