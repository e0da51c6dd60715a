package gnutella

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/networkutopia/p2p/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newTestPeer returns NewPeer(cfg)'s handler, failing the test on a bad
// config.
func newTestPeer(t testing.TB, cfg PeerConfig) transport.NewHandler {
	t.Helper()
	h, err := NewPeer(cfg)
	require.NoError(t, err)
	return h
}
