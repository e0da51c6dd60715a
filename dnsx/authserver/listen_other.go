//go:build !linux

package authserver

import (
	"net"
	"net/netip"
)

// listenUDP opens one UDP socket: without SO_REUSEPORT several sockets
// cannot share a port.
func listenUDP(ap netip.AddrPort, _ int) ([]*net.UDPConn, error) {
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
	if err != nil {
		return nil, err
	}
	return []*net.UDPConn{c}, nil
}
