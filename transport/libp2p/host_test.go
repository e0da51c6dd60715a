package libp2p_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/libp2p"
)

// connEvents is an asker that also reports connection events.
type connEvents struct {
	asker
	events chan string
}

func (n *connEvents) Connected(c transport.Conn) { n.events <- "connected" }
func (n *connEvents) Disconnected(c transport.Conn, err error) {
	n.events <- "disconnected"
}

// A transport.Host runs over the adapter as over TCP: requests and replies
// (the reply goes back over the stream the request came on), connection
// events, and a disconnect when the peer's host closes.
func TestHostOverLibp2p(t *testing.T) {
	for _, kind := range []libp2p.Kind{libp2p.TCP, libp2p.QUIC} {
		t.Run(string(kind), func(t *testing.T) {
			server, err := transport.NewHost(transport.HostConfig{
				Stream: newTransport(t, kind, "server"),
				Listen: transport.Addr(listenAddrs[kind]),
			}, func(env transport.Env) transport.Handler { return &upper{env: env} })
			require.NoError(t, err)
			defer server.Close()
			_, id, err := libp2p.SplitAddr(server.Addr())
			require.NoError(t, err)
			require.Equal(t, peerID(t, "server"), id, "Host.Addr ends in the server's peer ID")

			node := &connEvents{events: make(chan string, 4)}
			client, err := transport.NewHost(transport.HostConfig{Stream: newTransport(t, kind, "client")},
				func(env transport.Env) transport.Handler { node.env = env; return node })
			require.NoError(t, err)
			defer client.Close()

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for _, question := range []string{"one", "two", string(make([]byte, 1<<20))} {
				answer, err := transport.Do(ctx, client, func(reply func(string, error)) {
					node.ask(server.Addr(), question, reply)
				})
				require.NoError(t, err)
				require.Len(t, answer, len(question))
			}
			require.Equal(t, "connected", waitEvent(t, node.events))

			require.NoError(t, server.Close())
			require.Equal(t, "disconnected", waitEvent(t, node.events), "the client learns that the server went away")
		})
	}
}

func waitEvent(t *testing.T, events <-chan string) string {
	t.Helper()
	select {
	case e := <-events:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no connection event within 10 s")
		return ""
	}
}
