//go:build linux

package utp

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// routeMTU is the MTU of the route to ap as the kernel knows it (the
// device's, or a smaller path MTU it learned), from a UDP socket
// connected to ap, which sends nothing; 0 when it cannot tell.
func routeMTU(ap netip.AddrPort) int {
	fam, level, opt := unix.AF_INET6, unix.IPPROTO_IPV6, unix.IPV6_MTU
	var sa unix.Sockaddr
	if ap.Addr().Is4() {
		fam, level, opt = unix.AF_INET, unix.IPPROTO_IP, unix.IP_MTU
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	} else {
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	}
	fd, err := unix.Socket(fam, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	defer unix.Close(fd)
	if unix.Connect(fd, sa) != nil {
		return 0
	}
	mtu, err := unix.GetsockoptInt(fd, level, opt)
	if err != nil {
		return 0
	}
	return mtu
}

// writeFragmenting sends b with fragmentation allowed: a lost probe
// again, which may be larger than the path carries whole. The socket's
// don't-fragment setting is lifted for the one send.
func (s *Socket) writeFragmenting(b []byte, p peer) error {
	if s.oc == nil || !p.ap.IsValid() {
		return s.write(b, p)
	}
	rc, err := s.oc.SyscallConn()
	if err != nil {
		return s.write(b, p)
	}
	s.fragMu.Lock()
	defer s.fragMu.Unlock()
	set := func(v4, v6 int) {
		_ = rc.Control(func(fd uintptr) {
			_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, v4)
			_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_MTU_DISCOVER, v6)
		})
	}
	set(unix.IP_PMTUDISC_DONT, unix.IPV6_PMTUDISC_DONT)
	defer set(unix.IP_PMTUDISC_WANT, unix.IPV6_PMTUDISC_WANT)
	return s.write(b, p)
}
