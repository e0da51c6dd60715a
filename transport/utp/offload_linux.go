//go:build linux

package utp

import (
	"encoding/binary"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Segmentation offload (Linux 4.18+ for GSO, 5.0+ for GRO): one sendmsg
// carries up to 64 equal datagrams that the kernel cuts apart
// (UDP_SEGMENT), and one recvmsg returns consecutive datagrams of a flow
// glued together with their size (UDP_GRO). On the wire nothing changes;
// what changes is one system call per burst instead of one per 1 400-byte
// packet, which is where uTP spends its time.

// offloadConn is a UDP socket that can carry control messages.
type offloadConn interface {
	SyscallConn() (syscall.RawConn, error)
	WriteMsgUDPAddrPort(b, oob []byte, addr netip.AddrPort) (n, oobn int, err error)
	ReadMsgUDPAddrPort(b, oob []byte) (n, oobn, flags int, addr netip.AddrPort, err error)
}

// enableOffload turns on what the socket supports.
func enableOffload(pc net.PacketConn) (oc offloadConn, gso, gro bool) {
	oc, ok := pc.(offloadConn)
	if !ok {
		return nil, false, false
	}
	rc, err := oc.SyscallConn()
	if err != nil {
		return nil, false, false
	}
	_ = rc.Control(func(fd uintptr) {
		_, err := unix.GetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_SEGMENT)
		gso = err == nil
		gro = unix.SetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_GRO, 1) == nil
	})
	return oc, gso, gro
}

const oobSize = 64 // room for a UDP_GRO control message and more

// gsoOOB writes the UDP_SEGMENT control message for segments of size.
func gsoOOB(dst *[oobSize]byte, size int) []byte {
	n := unix.CmsgSpace(2)
	h := (*unix.Cmsghdr)(unsafe.Pointer(&dst[0]))
	h.Level = unix.IPPROTO_UDP
	h.Type = unix.UDP_SEGMENT
	h.SetLen(unix.CmsgLen(2))
	binary.NativeEndian.PutUint16(dst[unix.CmsgLen(0):], uint16(size))
	return dst[:n]
}

// groSize returns the segment size a recvmsg reported, or 0.
func groSize(oob []byte) int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0
	}
	for _, m := range msgs {
		if m.Header.Level == unix.IPPROTO_UDP && m.Header.Type == unix.UDP_GRO && len(m.Data) >= 4 {
			return int(binary.NativeEndian.Uint32(m.Data))
		}
	}
	return 0
}

// offloadFailed reports whether a GSO send failed for want of support
// (the route's device cannot segment), so the socket stops trying.
func offloadFailed(err error) bool {
	var se syscall.Errno
	if !asErrno(err, &se) {
		return false
	}
	return se == unix.EIO || se == unix.EINVAL || se == unix.EOPNOTSUPP
}
