//go:build linux

package authserver

import (
	"context"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// listenUDP opens sockets UDP sockets on one port with SO_REUSEPORT, so the
// kernel spreads datagrams over them and each goroutine reads its own.
func listenUDP(ap netip.AddrPort, sockets int) ([]*net.UDPConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	var out []*net.UDPConn
	addr := ap
	for range max(sockets, 1) {
		pc, err := lc.ListenPacket(context.Background(), "udp", addr.String())
		if err != nil {
			for _, c := range out {
				c.Close()
			}
			return nil, err
		}
		c := pc.(*net.UDPConn)
		out = append(out, c)
		addr = c.LocalAddr().(*net.UDPAddr).AddrPort()
	}
	return out, nil
}
