package transport

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

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
	require.EqualValues(t, 1, client.Stats().ConnsOpened)
	require.EqualValues(t, 1, server.Stats().ConnsOpened)
}

func TestHostConnectionEvents(t *testing.T) {
	w := loopbackWorld()
	srv, newSrv := newRecorder(nil)
	server := newTestHost(t, w, nil, newSrv)
	cli, newCli := newRecorder(nil)
	client := newTestHost(t, w, nil, newCli)

	require.NoError(t, send(t, client, cli.env, server.Addr(), Bytes("hi")))
	first := cli.next(t, "connected")
	require.Equal(t, client.Addr(), first.conn.Local)
	srvConn := srv.next(t, "connected").conn
	require.Equal(t, server.Addr(), srvConn.Local)

	onLoop(t, client, func() { cli.env.Disconnect(server.Addr()) })
	down := cli.next(t, "disconnected")
	require.Equal(t, first.conn, down.conn)
	require.NoError(t, down.err, "a local Disconnect is an orderly close")
	srvDown := srv.next(t, "disconnected")
	require.Equal(t, srvConn, srvDown.conn)
	require.NoError(t, srvDown.err, "the peer closing is an orderly close")

	// The next Send opens a new connection with a new ID.
	require.NoError(t, send(t, client, cli.env, server.Addr(), Bytes("again")))
	second := cli.next(t, "connected")
	require.NotEqual(t, first.conn.ID, second.conn.ID)
	require.Equal(t, Bytes("again"), srv.next(t, "recv").m)
	require.EqualValues(t, 2, client.Stats().ConnsOpened)
}

func TestHostUnreachable(t *testing.T) {
	t.Run("nothing listens", func(t *testing.T) {
		cli, newCli := newRecorder(nil)
		client := newTestHost(t, loopbackWorld(), nil, newCli)
		dead := deadAddr(t)
		onLoop(t, client, func() {
			require.NoError(t, cli.env.Send(dead, Bytes("a")))
			require.NoError(t, cli.env.Send(dead, Bytes("bc")))
		})
		ev := cli.next(t, "unreachable")
		require.Equal(t, dead, ev.peer)
		require.ErrorIs(t, ev.err, ErrUnreachable)
		cli.none(t, "unreachable", 50*time.Millisecond)
		m := client.Stats()
		require.EqualValues(t, 2, m.Dropped, "both queued messages are dropped")
		require.EqualValues(t, 1, m.DialFailures)
		require.Zero(t, m.InFlightBytes)
	})
	t.Run("dial timeout", func(t *testing.T) {
		cli, newCli := newRecorder(nil)
		w := loopbackWorld()
		w.stream = stallingTCP{}
		client := newTestHost(t, w, func(c *HostConfig) { c.DialTimeout = 50 * time.Millisecond }, newCli)
		require.NoError(t, send(t, client, cli.env, "/ip4/127.0.0.1/tcp/9", Bytes("a")))
		ev := cli.next(t, "unreachable")
		require.ErrorIs(t, ev.err, ErrUnreachable)
		require.ErrorIs(t, ev.err, ErrTimeout)
	})
	t.Run("disconnect while dialling is silent", func(t *testing.T) {
		cli, newCli := newRecorder(nil)
		w := loopbackWorld()
		w.stream = stallingTCP{}
		client := newTestHost(t, w, nil, newCli)
		const peer = Addr("/ip4/127.0.0.1/tcp/9")
		onLoop(t, client, func() {
			require.NoError(t, cli.env.Send(peer, Bytes("a")))
			cli.env.Disconnect(peer)
		})
		cli.none(t, "unreachable", 50*time.Millisecond)
		require.EqualValues(t, 1, client.Stats().Dropped)
	})
	t.Run("bad address", func(t *testing.T) {
		cli, newCli := newRecorder(nil)
		client := newTestHost(t, loopbackWorld(), nil, newCli)
		require.NoError(t, send(t, client, cli.env, "/nonsense", Bytes("a")))
		require.ErrorIs(t, cli.next(t, "unreachable").err, ErrBadAddr)
		require.ErrorIs(t, send(t, client, cli.env, "", Bytes("a")), ErrBadAddr)
	})
}

func TestHostBadInputClosesTheConnection(t *testing.T) {
	limited := func(c *HostConfig) {
		fc := &FrameCodec{MaxSize: 1024, Unmarshal: func(b []byte) (Message, error) {
			if len(b) > 0 && b[0] == '!' {
				return nil, errors.New("malformed payload")
			}
			return Bytes(b), nil
		}}
		c.Codec = fc.New
		c.IdleTimeout = 200 * time.Millisecond
	}
	tests := []struct {
		name    string
		write   []byte
		wantErr error  // nil: check wantMsg instead
		wantMsg string // substring of the error
	}{
		{"frame too large", []byte{0, 0, 8, 0}, ErrFrameTooLarge, ""},
		{"lying length", []byte{0xff, 0xff, 0xff, 0xff}, ErrFrameTooLarge, ""},
		{"malformed payload", append([]byte{0, 0, 0, 2}, "!x"...), nil, "malformed payload"},
		{"truncated frame", append([]byte{0, 0, 0, 9}, "abc"...), io.ErrUnexpectedEOF, ""},
		{"idle", nil, ErrTimeout, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, newSrv := newRecorder(nil)
			server := newTestHost(t, loopbackWorld(), limited, newSrv)
			raw, err := net.Dial("tcp", hostPort(t, server.Addr()))
			require.NoError(t, err)
			defer raw.Close()
			srv.next(t, "connected")
			if tt.write != nil {
				_, err = raw.Write(tt.write)
				require.NoError(t, err)
			}
			if tt.wantErr == io.ErrUnexpectedEOF {
				require.NoError(t, raw.(*net.TCPConn).CloseWrite())
			}
			ev := srv.next(t, "disconnected")
			if tt.wantErr != nil {
				require.ErrorIs(t, ev.err, tt.wantErr)
			} else {
				require.ErrorContains(t, ev.err, tt.wantMsg)
			}
			// The host dropped the connection: the raw peer sees EOF.
			require.NoError(t, raw.SetReadDeadline(time.Now().Add(5*time.Second)))
			_, err = raw.Read(make([]byte, 1))
			require.ErrorIs(t, err, io.EOF)
			srv.none(t, "recv", 10*time.Millisecond)
		})
	}
}

func TestHostHandshake(t *testing.T) {
	hello := func(c *HostConfig) {
		c.HandshakeTimeout = 200 * time.Millisecond
		c.Codec = func() Codec {
			return &handshakeCodec{hs: func(rw *bufio.ReadWriter, inbound bool) error {
				if !inbound {
					if _, err := rw.WriteString("HELLO"); err != nil {
						return err
					}
					if err := rw.Flush(); err != nil {
						return err
					}
				}
				var b [5]byte
				if _, err := io.ReadFull(rw, b[:]); err != nil {
					return err
				}
				if string(b[:]) != "HELLO" {
					return fmt.Errorf("%w: got %q", ErrHandshake, b[:])
				}
				if inbound {
					if _, err := rw.WriteString("HELLO"); err != nil {
						return err
					}
					return rw.Flush()
				}
				return nil
			}}
		}
	}
	refuse := func(c *HostConfig) {
		c.Codec = func() Codec {
			return &handshakeCodec{hs: func(rw *bufio.ReadWriter, inbound bool) error {
				if inbound {
					return fmt.Errorf("%w: go away", ErrHandshake)
				}
				var b [1]byte
				_, err := rw.Read(b[:])
				return err
			}}
		}
	}
	t.Run("both sides agree", func(t *testing.T) {
		srv, newSrv := newRecorder(nil)
		server := newTestHost(t, loopbackWorld(), hello, newSrv)
		cli, newCli := newRecorder(nil)
		client := newTestHost(t, loopbackWorld(), hello, newCli)
		require.NoError(t, send(t, client, cli.env, server.Addr(), Bytes("after handshake")))
		require.Equal(t, Bytes("after handshake"), srv.next(t, "recv").m)
	})
	t.Run("server refuses", func(t *testing.T) {
		srv, newSrv := newRecorder(nil)
		server := newTestHost(t, loopbackWorld(), refuse, newSrv)
		cli, newCli := newRecorder(nil)
		client := newTestHost(t, loopbackWorld(), refuse, newCli)
		require.NoError(t, send(t, client, cli.env, server.Addr(), Bytes("x")))
		ev := cli.next(t, "unreachable")
		require.ErrorIs(t, ev.err, ErrUnreachable)
		require.ErrorIs(t, ev.err, ErrHandshake)
		srv.none(t, "connected", 20*time.Millisecond)
		require.EqualValues(t, 1, server.Stats().HandshakeFailures)
	})
	t.Run("peer never answers", func(t *testing.T) {
		srv, newSrv := newRecorder(nil)
		server := newTestHost(t, loopbackWorld(), hello, newSrv)
		raw, err := net.Dial("tcp", hostPort(t, server.Addr()))
		require.NoError(t, err)
		defer raw.Close()
		require.NoError(t, raw.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, err = raw.Read(make([]byte, 1))
		require.ErrorIs(t, err, io.EOF, "the host gives up after HandshakeTimeout")
		srv.none(t, "connected", 10*time.Millisecond)
		require.EqualValues(t, 1, server.Stats().HandshakeFailures)
	})
}
