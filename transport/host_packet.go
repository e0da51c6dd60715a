package transport

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
)

// maxDatagram is the largest datagram a Host reads (the UDP maximum).
const maxDatagram = 64 << 10

// endpoint is one datagram socket of a Host: the main one, or one opened
// by Env.Bind.
type endpoint struct {
	h    *Host
	addr Addr
	pc   net.PacketConn
	done chan struct{}
	once sync.Once
}

// newEndpoint registers pc as an endpoint; its reader starts with
// startEndpoint.
func (h *Host) newEndpoint(pc net.PacketConn) *endpoint {
	e := &endpoint{h: h, addr: FromNetAddr(pc.LocalAddr()), pc: pc, done: make(chan struct{})}
	h.endpoints[e.addr] = e
	return e
}

func (e *endpoint) shut(error) {
	e.once.Do(func() {
		close(e.done)
		e.pc.Close()
	})
}

func (h *Host) startEndpoint(e *endpoint) bool {
	if !h.track(e) {
		e.shut(nil)
		return false
	}
	h.wg.Add(1)
	go e.readLoop()
	return true
}

// readLoop hands each datagram to the loop until the endpoint closes.
// Datagrams the codec rejects are counted as dropped.
func (e *endpoint) readLoop() {
	h := e.h
	defer h.wg.Done()
	defer h.untrack(e)
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := e.pc.ReadFrom(buf)
		if err != nil {
			select {
			case <-e.done:
			default:
				if !errors.Is(err, net.ErrClosed) && !errors.Is(err, ErrClosed) {
					h.log.Warn("transport: datagram endpoint failed", "endpoint", e.addr, "err", err)
				}
			}
			return
		}
		h.metrics.bytesReceived.Add(uint64(n))
		m, err := h.cfg.PacketCodec.UnmarshalPacket(append([]byte(nil), buf[:n]...))
		if err != nil || m == nil {
			h.metrics.dropped.Add(1)
			h.log.Debug("transport: bad datagram", "from", from, "endpoint", e.addr, "err", err)
			continue
		}
		size := max(m.Size(), 0)
		h.metrics.messagesReceived.Add(1)
		h.metrics.datagramsReceived.Add(1)
		if !h.budget.charge(size, e.done, h.loopDone) {
			return
		}
		ev := event{kind: evMessage, m: m, size: size, conn: Conn{Peer: FromNetAddr(from), Local: e.addr}}
		if !h.post(ev) {
			h.budget.release(size)
			return
		}
	}
}

// sendDatagram writes m as one datagram from endpoint e. It runs on the
// loop; UDP writes do not wait for the peer.
func (h *Host) sendDatagram(e *endpoint, to Addr, na net.Addr, m Message) error {
	b, err := h.cfg.PacketCodec.MarshalPacket(m)
	if err != nil {
		return fmt.Errorf("transport: datagram to %s: %w", to, err)
	}
	if _, err := e.pc.WriteTo(b, na); err != nil {
		h.metrics.dropped.Add(1)
		return fmt.Errorf("transport: datagram to %s: %w", to, err)
	}
	h.metrics.messagesSent.Add(1)
	h.metrics.datagramsSent.Add(1)
	h.metrics.bytesSent.Add(uint64(len(b)))
	return nil
}

// sendFrom sends a datagram from one of the host's endpoints.
func (h *Host) sendFrom(from, to Addr, m Message) error {
	if h.closed.Load() {
		return ErrClosed
	}
	if m == nil {
		return fmt.Errorf("transport: send to %s: nil message", to)
	}
	e := h.endpoints[from]
	if e == nil {
		return fmt.Errorf("%w: %q is not an endpoint of this host", ErrBadAddr, from)
	}
	na, err := h.cfg.Packet.ResolvePacket(to)
	if err != nil {
		return fmt.Errorf("transport: datagram to %s: %w", to, err)
	}
	return h.sendDatagram(e, to, na, m)
}

// bind opens a fresh endpoint on the main endpoint's host with a new port.
func (h *Host) bind() (Addr, error) {
	if h.closed.Load() {
		return "", ErrClosed
	}
	if h.mainEP == nil {
		return "", fmt.Errorf("%w: Bind: the host has no packet transport", ErrBadAddr)
	}
	want, err := freshEndpointAddr(h.mainEP.addr)
	if err != nil {
		return "", err
	}
	pc, err := h.cfg.Packet.ListenPacket(want)
	if err != nil {
		return "", fmt.Errorf("transport: Bind %s: %w", want, err)
	}
	e := h.newEndpoint(pc)
	if !h.startEndpoint(e) {
		delete(h.endpoints, e.addr)
		return "", ErrClosed
	}
	return e.addr, nil
}

// unbind closes an endpoint opened with bind.
func (h *Host) unbind(a Addr) error {
	e := h.endpoints[a]
	if e == nil || e == h.mainEP {
		return fmt.Errorf("%w: %q is not an endpoint opened with Bind", ErrBadAddr, a)
	}
	delete(h.endpoints, a)
	e.shut(nil)
	return nil
}

// freshEndpointAddr turns a datagram address into the same address with
// port 0, which asks the transport for a free port: /ip4/H/udp/53 becomes
// /ip4/H/udp/0. For other forms ending in a port number the number is
// replaced; an address without a port is an error.
func freshEndpointAddr(a Addr) (Addr, error) {
	if ip, err := ParseIPAddr(a); err == nil {
		return Addr(fmt.Sprintf("/%s/%s/%s/0", ip.Proto, ip.Host, ip.Net)), nil
	}
	s := string(a)
	i := strings.LastIndexByte(s, '/')
	if i >= 0 && i+1 < len(s) && strings.Trim(s[i+1:], "0123456789") == "" {
		return Addr(s[:i+1] + "0"), nil
	}
	return "", fmt.Errorf("%w: cannot derive a fresh endpoint from %q", ErrBadAddr, a)
}
