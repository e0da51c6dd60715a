package libp2p_test

import (
	"context"
	"crypto/ed25519"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/libp2p"
)

// listen opens a listener on tr at the loopback address of kind, closed
// when the test ends.
func listen(t *testing.T, tr *libp2p.Transport, kind libp2p.Kind) (net.Listener, transport.Addr) {
	t.Helper()
	ln, err := tr.Listen(transport.Addr(listenAddrs[kind]))
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	return ln, ln.Addr().(transport.Addr)
}

// dial dials a within a few seconds and closes the stream when the test
// ends.
func dial(t *testing.T, tr *libp2p.Transport, a transport.Addr) (net.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := tr.Dial(ctx, a)
	if c != nil {
		t.Cleanup(func() { _ = c.Close() })
	}
	return c, err
}

// accept accepts one stream within a few seconds.
func accept(t *testing.T, ln net.Listener) net.Conn {
	t.Helper()
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		require.NoError(t, r.err)
		t.Cleanup(func() { _ = r.c.Close() })
		return r.c
	case <-time.After(5 * time.Second):
		_ = ln.Close()
		<-ch
		t.Fatal("no stream accepted within 5 s")
		return nil
	}
}

func TestAddresses(t *testing.T) {
	for _, kind := range []libp2p.Kind{libp2p.TCP, libp2p.QUIC} {
		t.Run(string(kind), func(t *testing.T) {
			client := newTransport(t, kind, "client")
			server := newTransport(t, kind, "server")
			require.Empty(t, server.Addrs(), "a new Transport listens nowhere")
			ln, a := listen(t, server, kind)
			network, id, err := libp2p.SplitAddr(a)
			require.NoError(t, err)
			require.Equal(t, server.ID(), id, "the listener's address ends in the host's peer ID")
			require.NotContains(t, network, "/0/", "port 0 is replaced by the chosen port")
			require.Contains(t, server.Addrs(), a)

			c, err := dial(t, client, a)
			require.NoError(t, err)
			s := accept(t, ln)
			require.Equal(t, a, c.RemoteAddr(), "the dialled stream's RemoteAddr is the listener's address")
			// A QUIC dialer's LocalAddr may name its socket's wildcard IP.
			require.Equal(t, withoutIP(c.LocalAddr()), withoutIP(s.RemoteAddr()))
			require.Equal(t, a, s.LocalAddr())
			_, cid, err := libp2p.SplitAddr(s.RemoteAddr().(transport.Addr))
			require.NoError(t, err)
			require.Equal(t, client.ID(), cid, "the accepted stream names the dialling peer")
			require.NotNil(t, c.(*libp2p.Conn).Stream(), "Conn exposes its libp2p stream")
		})
	}
}

// withoutIP drops the /ip4/X or /ip6/X prefix of an address.
func withoutIP(a net.Addr) string {
	parts := strings.SplitN(a.String(), "/", 4)
	if len(parts) < 4 {
		return a.String()
	}
	return parts[3]
}

func TestDialErrors(t *testing.T) {
	client := newTransport(t, libp2p.TCP, "client")
	server := newTransport(t, libp2p.TCP, "server")
	_, a := listen(t, server, libp2p.TCP)
	network, _, err := libp2p.SplitAddr(a)
	require.NoError(t, err)

	tests := []struct {
		name string
		addr transport.Addr
		want error
	}{
		{"no peer ID", network, transport.ErrBadAddr},
		{"own peer ID", transport.Addr(string(network) + "/p2p/" + client.ID()), transport.ErrBadAddr},
		{"transport the host does not run", transport.Addr("/ip4/127.0.0.1/udp/1/quic-v1/p2p/" + server.ID()), transport.ErrBadAddr},
		{"unknown peer without address", transport.Addr("/p2p/" + peerID(t, "nobody")), transport.ErrUnreachable},
		{"wrong peer at a live address", transport.Addr(string(network) + "/p2p/" + peerID(t, "impostor")), transport.ErrUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := dial(t, client, tt.addr)
			require.Nil(t, c)
			require.ErrorIs(t, err, tt.want)
		})
	}
}

// peerID is the peer ID of KeyFromSeed(seed).
func peerID(t *testing.T, seed string) string {
	t.Helper()
	id, err := libp2p.PeerID(libp2p.KeyFromSeed(seed).Public().(ed25519.PublicKey))
	require.NoError(t, err)
	return id
}

// A peer whose last listener closed refuses the protocol even over the
// connection that is still open between the hosts: Dial fails with
// ErrUnreachable, as a TCP dial to a closed port does.
func TestDialPeerWithoutListener(t *testing.T) {
	for _, kind := range []libp2p.Kind{libp2p.TCP, libp2p.QUIC} {
		t.Run(string(kind), func(t *testing.T) {
			client := newTransport(t, kind, "client")
			server := newTransport(t, kind, "server")
			ln, a := listen(t, server, kind)
			_, err := dial(t, client, a)
			require.NoError(t, err)
			accept(t, ln)
			require.NoError(t, ln.Close())
			require.NotEmpty(t, client.Host().Network().ConnsToPeer(mustPeer(t, a)), "the connection outlives the listener")

			c, err := dial(t, client, a)
			require.Nil(t, c)
			require.ErrorIs(t, err, transport.ErrUnreachable)
		})
	}
}

// mustPeer returns the peer.ID at the end of a.
func mustPeer(t *testing.T, a transport.Addr) peer.ID {
	t.Helper()
	_, id, err := libp2p.SplitAddr(a)
	require.NoError(t, err)
	pid, err := peer.Decode(id)
	require.NoError(t, err)
	return pid
}

// A context that expires before the peer answers makes Dial fail with
// both ErrUnreachable and ErrTimeout. A QUIC dial to a port where nothing
// listens waits for its handshake, so a short context ends it.
func TestDialTimeout(t *testing.T) {
	client := newTransport(t, libp2p.QUIC, "client")
	server := newTransport(t, libp2p.QUIC, "server")
	ln, a := listen(t, server, libp2p.QUIC)
	require.NoError(t, ln.Close())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	c, err := client.Dial(ctx, a)
	require.Nil(t, c)
	require.ErrorIs(t, err, transport.ErrUnreachable)
	require.ErrorIs(t, err, transport.ErrTimeout)
	require.Less(t, time.Since(start), 3*time.Second, "Dial must obey its context")
}

func TestListenErrors(t *testing.T) {
	tr := newTransport(t, libp2p.TCP, "server")
	tests := []struct {
		name string
		addr transport.Addr
	}{
		{"empty", ""},
		{"not a multiaddr", "127.0.0.1:4001"},
		{"another peer's ID", transport.Addr("/ip4/127.0.0.1/tcp/0/p2p/" + peerID(t, "someone else"))},
		{"transport the host does not run", "/ip4/127.0.0.1/udp/0/quic-v1"},
		{"no transport at all", "/ip4/127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := tr.Listen(tt.addr)
			require.Nil(t, ln)
			require.ErrorIs(t, err, transport.ErrBadAddr)
		})
	}
}

func TestListenWithOwnPeerID(t *testing.T) {
	tr := newTransport(t, libp2p.TCP, "server")
	ln, err := tr.Listen(transport.Addr("/ip4/127.0.0.1/tcp/0/p2p/" + tr.ID()))
	require.NoError(t, err)
	defer ln.Close()
	_, id, err := libp2p.SplitAddr(ln.Addr().(transport.Addr))
	require.NoError(t, err)
	require.Equal(t, tr.ID(), id)
}

// Each listener gets the streams dialled to its own address; when one
// closes, the other keeps serving, and closing the last one refuses the
// protocol.
func TestTwoListeners(t *testing.T) {
	client := newTransport(t, libp2p.TCP, "client")
	server := newTransport(t, libp2p.TCP, "server")
	ln1, a1 := listen(t, server, libp2p.TCP)
	ln2, a2 := listen(t, server, libp2p.TCP)
	require.NotEqual(t, a1, a2)

	// Separate client hosts, so each stream rides a connection accepted on
	// the address it dialled.
	other := newTransport(t, libp2p.TCP, "other client")
	_, err := dial(t, client, a1)
	require.NoError(t, err)
	require.Equal(t, a1, accept(t, ln1).LocalAddr())
	_, err = dial(t, other, a2)
	require.NoError(t, err)
	require.Equal(t, a2, accept(t, ln2).LocalAddr())

	require.NoError(t, ln1.Close())
	_, err = dial(t, other, a2)
	require.NoError(t, err, "the second listener still serves")
	accept(t, ln2)
	require.NoError(t, ln2.Close())
	_, err = dial(t, other, a2)
	require.ErrorIs(t, err, transport.ErrUnreachable, "no listener left")
}

// A host that has a listener accepts streams over connections it dialled
// itself: the accepted side can dial back the RemoteAddr it saw.
func TestDialBackOverTheSameConnection(t *testing.T) {
	client := newTransport(t, libp2p.TCP, "client")
	server := newTransport(t, libp2p.TCP, "server")
	serverLn, a := listen(t, server, libp2p.TCP)
	clientLn, _ := listen(t, client, libp2p.TCP)
	_, err := dial(t, client, a)
	require.NoError(t, err)
	s := accept(t, serverLn)

	back, err := dial(t, server, s.RemoteAddr().(transport.Addr))
	require.NoError(t, err)
	got := accept(t, clientLn)
	require.Len(t, server.Host().Network().ConnsToPeer(mustPeer(t, s.RemoteAddr().(transport.Addr))), 1, "no second connection")
	_, err = back.Write([]byte("hi"))
	require.NoError(t, err)
	buf := make([]byte, 2)
	_, err = io.ReadFull(got, buf)
	require.NoError(t, err)
	require.Equal(t, "hi", string(buf))
}

// Close releases everything: open streams and listeners fail with
// net.ErrClosed, as do later Dials and Listens.
func TestCloseReleasesEverything(t *testing.T) {
	for _, kind := range []libp2p.Kind{libp2p.TCP, libp2p.QUIC} {
		t.Run(string(kind), func(t *testing.T) {
			client := newTransport(t, kind, "client")
			server, err := libp2p.New(libp2p.Config{Key: libp2p.KeyFromSeed("server"), Transports: []libp2p.Kind{kind}})
			require.NoError(t, err)
			ln, a := listen(t, server, kind)
			c, err := dial(t, client, a)
			require.NoError(t, err)
			s := accept(t, ln)
			blocked := make(chan error, 1)
			go func() {
				_, err := ln.Accept()
				blocked <- err
			}()

			require.NoError(t, server.Close())
			require.NoError(t, server.Close(), "Close is idempotent")
			select {
			case err := <-blocked:
				require.ErrorIs(t, err, net.ErrClosed, "a blocked Accept")
			case <-time.After(5 * time.Second):
				t.Fatal("Accept still blocked after Close")
			}
			_, err = s.Read(make([]byte, 1))
			require.Error(t, err, "a stream of the closed host")
			require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
			_, err = c.Read(make([]byte, 1))
			require.Error(t, err, "the peer's end of the stream")
			require.False(t, isTimeout(err), "the peer learns of the close before its deadline: %v", err)

			_, err = server.Dial(context.Background(), a)
			require.ErrorIs(t, err, net.ErrClosed)
			_, err = server.Listen(transport.Addr(listenAddrs[kind]))
			require.ErrorIs(t, err, net.ErrClosed)
		})
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// Conn's own errors: a second Close and deadlines after Close fail with
// net.ErrClosed; a timed-out Read leaves the stream usable.
func TestConnErrors(t *testing.T) {
	client := newTransport(t, libp2p.TCP, "client")
	server := newTransport(t, libp2p.TCP, "server")
	ln, a := listen(t, server, libp2p.TCP)
	c, err := dial(t, client, a)
	require.NoError(t, err)
	accept(t, ln)
	require.NoError(t, c.Close())
	require.ErrorIs(t, c.Close(), net.ErrClosed)
	require.ErrorIs(t, c.SetDeadline(time.Now()), net.ErrClosed)
	require.ErrorIs(t, c.(*libp2p.Conn).CloseWrite(), net.ErrClosed)
	require.ErrorIs(t, c.(*libp2p.Conn).CloseRead(), net.ErrClosed)
	var op *net.OpError
	_, err = c.Write([]byte("x"))
	require.ErrorAs(t, err, &op)
	require.Equal(t, "write", op.Op)
}

// Close during a send: a Write blocked on a peer that stopped reading
// returns an error wrapping net.ErrClosed when its conn is closed.
func TestCloseUnblocksWrite(t *testing.T) {
	for _, kind := range []libp2p.Kind{libp2p.TCP, libp2p.QUIC} {
		t.Run(string(kind), func(t *testing.T) {
			client := newTransport(t, kind, "client")
			server := newTransport(t, kind, "server")
			ln, a := listen(t, server, kind)
			c, err := dial(t, client, a)
			require.NoError(t, err)
			accept(t, ln) // and never read
			written := make(chan error, 1)
			go func() {
				buf := make([]byte, 64<<10)
				for range 1024 { // 64 MiB, more than any window
					if _, err := c.Write(buf); err != nil {
						written <- err
						return
					}
				}
				written <- nil
			}()
			time.Sleep(100 * time.Millisecond)
			require.NoError(t, c.Close())
			select {
			case err := <-written:
				require.ErrorIs(t, err, net.ErrClosed)
			case <-time.After(5 * time.Second):
				t.Fatal("Write still blocked 5 s after Close")
			}
		})
	}
}

// Streams that no Accept took are reset when their listener closes: their
// dialers read an error, not a clean io.EOF, and nothing waits on them.
func TestUnacceptedStreamsAreResetOnListenerClose(t *testing.T) {
	client := newTransport(t, libp2p.TCP, "client")
	server := newTransport(t, libp2p.TCP, "server")
	ln, a := listen(t, server, libp2p.TCP)
	var conns []net.Conn
	for range 3 {
		c, err := dial(t, client, a)
		require.NoError(t, err, "Dial returns once the peer took the protocol, before any Accept")
		conns = append(conns, c)
	}
	require.NoError(t, ln.Close())
	for i, c := range conns {
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, err := c.Read(make([]byte, 1))
		require.Error(t, err, "stream %d", i)
		require.NotErrorIs(t, err, io.EOF, "stream %d was reset, not closed", i)
		require.False(t, isTimeout(err), "stream %d: reset expected before the deadline: %v", i, err)
	}
}
