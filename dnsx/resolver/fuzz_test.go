package resolver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/transport"
)

// FuzzResolverReceive throws arbitrary datagrams at a resolver node that
// has queries in flight and clients: nothing panics.
func FuzzResolverReceive(f *testing.F) {
	for _, b := range dnstest.SeedQueries(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, env := newTestPeer(t, Config{AllowClient: func(transport.Addr) bool { return true }})
		n.Resolve("www.networkutopia.com", dnsx.TypeA, func(Answer, error) {})
		sent := env.Sent()
		last := sent[len(sent)-1]
		for _, peer := range []transport.Addr{last.To, "/ip4/10.0.0.1/udp/5353"} {
			n.Receive(transport.Conn{Peer: peer, Local: last.From}, transport.Bytes(b))
		}
		for range 10 { // every retry and timeout, a bounded number of rounds
			env.Advance(time.Minute)
		}
		require.Zero(t, env.Timers(), "every query ended")
	})
}
