//go:build !linux

package utp

import (
	"net"
	"net/netip"
)

type offloadConn interface {
	WriteMsgUDPAddrPort(b, oob []byte, addr netip.AddrPort) (n, oobn int, err error)
	ReadMsgUDPAddrPort(b, oob []byte) (n, oobn, flags int, addr netip.AddrPort, err error)
}

// enableOffload: segmentation offload is Linux's.
func enableOffload(net.PacketConn) (offloadConn, bool, bool) { return nil, false, false }

const oobSize = 64

func gsoOOB(*[oobSize]byte, int) []byte { return nil }
func groSize([]byte) int                { return 0 }
func offloadFailed(error) bool          { return false }
