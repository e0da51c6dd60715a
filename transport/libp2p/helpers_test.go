package libp2p_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport/libp2p"
)

// listenAddrs are loopback listen addresses, one per transport kind.
var listenAddrs = map[libp2p.Kind]string{
	libp2p.TCP:  "/ip4/127.0.0.1/tcp/0",
	libp2p.QUIC: "/ip4/127.0.0.1/udp/0/quic-v1",
}

// newTransport starts a Transport running only kind, with the key derived
// from seed, and closes it when the test ends.
func newTransport(t testing.TB, kind libp2p.Kind, seed string) *libp2p.Transport {
	t.Helper()
	tr, err := libp2p.New(libp2p.Config{Key: libp2p.KeyFromSeed(seed), Transports: []libp2p.Kind{kind}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, tr.Close()) })
	return tr
}
