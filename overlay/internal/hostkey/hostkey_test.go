package hostkey

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/networkutopia/p2p/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestOf(t *testing.T) {
	for _, tt := range []struct {
		a    transport.Addr
		want string
	}{
		{"/ip4/127.0.0.1/tcp/7000", "127.0.0.1"},
		{"/ip4/127.0.0.1/tcp/51234", "127.0.0.1"},
		{"/ip4/127.0.0.2/tcp/7000", "127.0.0.2"},
		{"/ip6/2001:db8:1:2:3:4:5:6/tcp/7000", "2001:db8:1:2::/64"},
		{"/ip6/2001:db8:1:2:ffff::1/tcp/1", "2001:db8:1:2::/64"},
		{"/ip6/::ffff:10.0.0.1/tcp/1", "10.0.0.1"},
		{"/dns/example.com/tcp/80", "/dns/example.com/tcp/80"},
		{"/sim/3", "/sim/3"},
	} {
		require.Equal(t, tt.want, Of(tt.a), "%s", tt.a)
	}
	require.Equal(t, Hash("/ip4/10.0.0.1/tcp/1"), Hash("/ip4/10.0.0.1/tcp/2"))
	require.NotEqual(t, Hash("/ip4/10.0.0.1/tcp/1"), Hash("/ip4/10.0.0.2/tcp/1"))
}
