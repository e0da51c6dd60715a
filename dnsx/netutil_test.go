package dnsx

import (
	"bytes"
	"io"
	"net"
	"net/netip"
	"sync"
)

func netDialTCP(ap netip.AddrPort) (net.Conn, error) { return net.Dial("tcp", ap.String()) }

func ioReadFull(r io.Reader, b []byte) (int, error) { return io.ReadFull(r, b) }

type netipPrefix = netip.Prefix

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// lockedBuffer collects a child process's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func netDialUDP(ap netip.AddrPort) (net.Conn, error) { return net.Dial("udp", ap.String()) }
