package libp2p_test

import (
	"net"
	"testing"

	golibp2p "github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/p2p/transport/quicreuse"
	"github.com/quic-go/quic-go"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/networkutopia/p2p/transport/libp2p"
)

// listenAddrs are loopback listen addresses, one per transport kind.
var listenAddrs = map[libp2p.Kind]string{
	libp2p.TCP:  "/ip4/127.0.0.1/tcp/0",
	libp2p.QUIC: "/ip4/127.0.0.1/udp/0/quic-v1",
}

// newTransport starts a Transport running only kind, with the key derived
// from seed and extra go-libp2p options, and closes it when the test ends.
// Its QUIC sockets are bound to loopback (see loopbackUDP).
func newTransport(t testing.TB, kind libp2p.Kind, seed string, opts ...golibp2p.Option) *libp2p.Transport {
	t.Helper()
	if kind == libp2p.QUIC {
		opts = append(opts, golibp2p.QUICReuse(newLoopbackQUICReuse, quicreuse.OverrideListenUDP(loopbackUDP)))
	}
	tr, err := libp2p.New(libp2p.Config{Key: libp2p.KeyFromSeed(seed), Transports: []libp2p.Kind{kind}, Options: opts})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, tr.Close()) })
	return tr
}

// newLoopbackQUICReuse is quicreuse.NewConnManager closed with the host,
// as go-libp2p does for its default one (a constructor given to
// QUICReuse must arrange that itself).
func newLoopbackQUICReuse(key quic.StatelessResetKey, token quic.TokenGeneratorKey, lc fx.Lifecycle, opts ...quicreuse.Option) (*quicreuse.ConnManager, error) {
	cm, err := quicreuse.NewConnManager(key, token, opts...)
	if err != nil {
		return nil, err
	}
	lc.Append(fx.StopHook(cm.Close))
	return cm, nil
}

// loopbackUDP opens go-libp2p's QUIC sockets, binding to loopback the
// ones it would bind to the wildcard address (those it dials from), so
// tests open no socket beyond loopback.
func loopbackUDP(network string, laddr *net.UDPAddr) (net.PacketConn, error) {
	if laddr != nil && laddr.IP.IsUnspecified() {
		ip := net.IPv4(127, 0, 0, 1)
		if network == "udp6" {
			ip = net.IPv6loopback
		}
		laddr = &net.UDPAddr{IP: ip, Port: laddr.Port}
	}
	return net.ListenUDP(network, laddr)
}
