package transport

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHostDatagrams(t *testing.T) {
	w := loopbackWorld()
	srv, newSrv := newRecorder(echo)
	server := newTestHost(t, w, nil, newSrv)
	cli, newCli := newRecorder(nil)
	client := newTestHost(t, w, nil, newCli)

	require.NoError(t, send(t, client, cli.env, server.PacketAddr(), Bytes("ping")))
	in := srv.next(t, "recv")
	require.Equal(t, Conn{Peer: client.PacketAddr(), Local: server.PacketAddr()}, in.conn)
	back := cli.next(t, "recv")
	require.Equal(t, Bytes("ping"), back.m)
	require.Equal(t, Conn{Peer: server.PacketAddr(), Local: client.PacketAddr()}, back.conn)

	// A fresh endpoint: the query leaves from it and the reply names it.
	var ep Addr
	onLoop(t, client, func() {
		var err error
		ep, err = cli.env.(Binder).Bind()
		require.NoError(t, err)
		require.NoError(t, cli.env.(Binder).SendFrom(ep, server.PacketAddr(), Bytes("from ep")))
	})
	require.NotEqual(t, client.PacketAddr(), ep)
	require.Equal(t, ep, srv.next(t, "recv").conn.Peer)
	back = cli.next(t, "recv")
	require.Equal(t, Conn{Peer: server.PacketAddr(), Local: ep}, back.conn)

	onLoop(t, client, func() {
		require.NoError(t, cli.env.(Binder).Unbind(ep))
		require.ErrorIs(t, cli.env.(Binder).Unbind(ep), ErrBadAddr)
		require.ErrorIs(t, cli.env.(Binder).Unbind(client.PacketAddr()), ErrBadAddr, "the main endpoint stays")
		require.ErrorIs(t, cli.env.(Binder).SendFrom(ep, server.PacketAddr(), Bytes("x")), ErrBadAddr)
	})
	m := client.Stats()
	require.EqualValues(t, 2, m.DatagramsSent)
	require.EqualValues(t, 2, m.DatagramsReceived)
	require.Zero(t, m.ConnsOpened, "datagrams open no connection")
}

func TestHostDatagramOnly(t *testing.T) {
	w := loopbackWorld()
	w.stream, w.listen = nil, ""
	rec, newRec := newRecorder(nil)
	h := newTestHost(t, w, nil, newRec)
	require.Equal(t, h.PacketAddr(), h.Addr())
	require.ErrorIs(t, send(t, h, rec.env, "/ip4/127.0.0.1/tcp/1", Bytes("x")), ErrBadAddr)

	noPacket := loopbackWorld()
	noPacket.packet, noPacket.packetListen = nil, ""
	rec2, newRec2 := newRecorder(nil)
	h2 := newTestHost(t, noPacket, nil, newRec2)
	onLoop(t, h2, func() {
		_, err := rec2.env.(Binder).Bind()
		require.ErrorIs(t, err, ErrBadAddr)
	})
}

func TestHostDropsBadDatagrams(t *testing.T) {
	picky := &FrameCodec{MaxSize: 8, Unmarshal: func(b []byte) (Message, error) {
		if string(b) != "ok" {
			return nil, errors.New("not ok")
		}
		return Bytes(b), nil
	}}
	rec, newRec := newRecorder(nil)
	h := newTestHost(t, loopbackWorld(), func(c *HostConfig) { c.PacketCodec = picky }, newRec)
	raw, err := net.Dial("udp", hostPort(t, h.PacketAddr()))
	require.NoError(t, err)
	defer raw.Close()
	for _, d := range []string{"bad", "much too long for the limit", "ok"} {
		_, err := raw.Write([]byte(d))
		require.NoError(t, err)
	}
	require.Equal(t, Bytes("ok"), rec.next(t, "recv").m)
	require.Eventually(t, func() bool { return h.Stats().Dropped == 2 }, 5*time.Second, time.Millisecond)
}

func TestFreshEndpointAddr(t *testing.T) {
	tests := []struct {
		in, want Addr
		ok       bool
	}{
		{"/ip4/127.0.0.1/udp/53", "/ip4/127.0.0.1/udp/0", true},
		{"/ip6/::1/udp/5353", "/ip6/::1/udp/0", true},
		{"/mem/alice/udp/7", "/mem/alice/udp/0", true},
		{"/mem/alice/udp", "", false},
	}
	for _, tt := range tests {
		got, err := freshEndpointAddr(tt.in)
		if !tt.ok {
			require.ErrorIs(t, err, ErrBadAddr, tt.in)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tt.want, got)
	}
}
