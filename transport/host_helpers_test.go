package transport

import (
	"bufio"
	"context"
	"errors"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// loopbackTCP is a minimal StreamTransport on the net package, so the Host
// tests do not depend on the package's TCP transport.
type loopbackTCP struct{}

func (loopbackTCP) Dial(ctx context.Context, a Addr) (net.Conn, error) {
	ip, err := ParseIPAddr(a)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", ip.HostPort())
	if errors.Is(err, syscall.ECONNREFUSED) {
		return nil, errors.Join(ErrUnreachable, err)
	}
	return c, err
}

func (loopbackTCP) Listen(a Addr) (net.Listener, error) {
	ip, err := ParseIPAddr(a)
	if err != nil {
		return nil, err
	}
	return net.Listen("tcp", ip.HostPort())
}

// loopbackUDP is a minimal PacketTransport on the net package.
type loopbackUDP struct{}

func (loopbackUDP) ListenPacket(a Addr) (net.PacketConn, error) {
	ip, err := ParseIPAddr(a)
	if err != nil {
		return nil, err
	}
	return net.ListenPacket("udp", ip.HostPort())
}

func (loopbackUDP) ResolvePacket(a Addr) (net.Addr, error) {
	ip, err := ParseIPAddr(a)
	if err != nil || ip.Net != "udp" {
		return nil, errors.Join(ErrBadAddr, err)
	}
	return net.ResolveUDPAddr("udp", ip.HostPort())
}

// record is one thing a recorder saw.
type record struct {
	kind string // "recv", "connected", "disconnected", "unreachable", "drained", "stop"
	conn Conn
	peer Addr
	m    Message
	err  error
}

// recorder is a Handler that reports every event on a channel and, if
// onRecv is set, lets a test react to messages on the loop.
type recorder struct {
	env    Env
	events chan record
	onRecv func(env Env, c Conn, m Message)
}

func newRecorder(onRecv func(env Env, c Conn, m Message)) (*recorder, NewHandler) {
	r := &recorder{events: make(chan record, 1<<14), onRecv: onRecv}
	return r, func(env Env) Handler { r.env = env; return r }
}

func (r *recorder) Receive(c Conn, m Message) {
	r.events <- record{kind: "recv", conn: c, m: m}
	if r.onRecv != nil {
		r.onRecv(r.env, c, m)
	}
}
func (r *recorder) Connected(c Conn) { r.events <- record{kind: "connected", conn: c} }
func (r *recorder) Disconnected(c Conn, err error) {
	r.events <- record{kind: "disconnected", conn: c, err: err}
}
func (r *recorder) Unreachable(peer Addr, err error) {
	r.events <- record{kind: "unreachable", peer: peer, err: err}
}
func (r *recorder) Drained(peer Addr) { r.events <- record{kind: "drained", peer: peer} }
func (r *recorder) Stop()             { r.events <- record{kind: "stop"} }

// next waits for the next event of the given kind, skipping others.
func (r *recorder) next(t *testing.T, kind string) record {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-r.events:
			if ev.kind == kind {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %q event within 10s", kind)
		}
	}
}

// waitFor waits up to d for an event of the given kind, discarding
// others.
func (r *recorder) waitFor(kind string, d time.Duration) (record, bool) {
	timeout := time.After(d)
	for {
		select {
		case ev := <-r.events:
			if ev.kind == kind {
				return ev, true
			}
		case <-timeout:
			return record{}, false
		}
	}
}

// none checks that no event of the given kind arrives within d.
func (r *recorder) none(t *testing.T, kind string, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev := <-r.events:
			require.NotEqual(t, kind, ev.kind, "unexpected event %+v", ev)
		case <-timeout:
			return
		}
	}
}

// world is a set of transports a Host test runs on.
type world struct {
	name         string
	stream       StreamTransport
	listen       Addr
	packet       PacketTransport
	packetListen Addr
}

func loopbackWorld() world {
	return world{
		name: "loopback", stream: loopbackTCP{}, listen: "/ip4/127.0.0.1/tcp/0",
		packet: loopbackUDP{}, packetListen: "/ip4/127.0.0.1/udp/0",
	}
}

// newTestHost starts a host on w and closes it when the test ends.
func newTestHost(t *testing.T, w world, edit func(*HostConfig), newHandler NewHandler) *Host {
	t.Helper()
	cfg := HostConfig{Stream: w.stream, Listen: w.listen, Packet: w.packet, PacketListen: w.packetListen, Seed: 1}
	if edit != nil {
		edit(&cfg)
	}
	h, err := NewHost(cfg, newHandler)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	return h
}

// send runs env.Send on h's loop and returns its error.
func send(t *testing.T, h *Host, env Env, to Addr, m Message) error {
	t.Helper()
	err, doErr := Do(context.Background(), h, func(reply func(error, error)) {
		reply(env.Send(to, m), nil)
	})
	require.NoError(t, doErr)
	return err
}

// deadAddr returns a loopback TCP address on which nothing listens.
func deadAddr(t *testing.T) Addr {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	a := FromNetAddr(ln.Addr())
	require.NoError(t, ln.Close())
	return a
}

// silentPeer accepts TCP connections and never reads from them; conns
// holds what it accepted. It closes everything when the test ends.
func silentPeer(t *testing.T) (Addr, <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	conns := make(chan net.Conn, 16)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		close(conns)
		for c := range conns {
			c.Close()
		}
	})
	return FromNetAddr(ln.Addr()), conns
}

// onLoop runs f on h's loop and waits for it.
func onLoop(t *testing.T, h *Host, f func()) {
	t.Helper()
	_, err := Do(context.Background(), h, func(reply func(struct{}, error)) {
		f()
		reply(struct{}{}, nil)
	})
	require.NoError(t, err)
}

// hostPort returns the "host:port" of an IP multiaddr.
func hostPort(t *testing.T, a Addr) string {
	t.Helper()
	ip, err := ParseIPAddr(a)
	require.NoError(t, err)
	return ip.HostPort()
}

// stallingTCP is a StreamTransport whose Dial waits for its context.
type stallingTCP struct{ loopbackTCP }

func (stallingTCP) Dial(ctx context.Context, _ Addr) (net.Conn, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// handshakeCodec is a FrameCodec with a handshake function.
type handshakeCodec struct {
	FrameCodec
	hs func(rw *bufio.ReadWriter, inbound bool) error
}

func (c *handshakeCodec) Handshake(rw *bufio.ReadWriter, inbound bool) error {
	return c.hs(rw, inbound)
}
