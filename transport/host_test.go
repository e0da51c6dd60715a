package transport

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// echo answers every message with the same bytes, to the connection it
// came on.
func echo(env Env, c Conn, m Message) { _ = env.Send(c.Peer, m) }

func TestHostExchangeReusesTheInboundConnection(t *testing.T) {
	w := loopbackWorld()
	srv, newSrv := newRecorder(echo)
	server := newTestHost(t, w, nil, newSrv)
	cli, newCli := newRecorder(nil)
	client := newTestHost(t, w, nil, newCli)

	for i := range 3 {
		require.NoError(t, send(t, client, cli.env, server.Addr(), Bytes{byte(i)}))
	}
	up := cli.next(t, "connected")
	require.False(t, up.conn.Inbound)
	require.Equal(t, server.Addr(), up.conn.Peer)
	in := srv.next(t, "connected")
	require.True(t, in.conn.Inbound)

	for i := range 3 {
		got := srv.next(t, "recv")
		require.Equal(t, Bytes{byte(i)}, got.m)
		require.Equal(t, in.conn, got.conn)
		back := cli.next(t, "recv")
		require.Equal(t, Bytes{byte(i)}, back.m)
		require.Equal(t, up.conn, back.conn, "the reply came back over the client's connection")
	}
	require.EqualValues(t, 1, client.Metrics().ConnsOpened)
	require.EqualValues(t, 1, server.Metrics().ConnsOpened)
}
