package dnsx

import (
	"errors"
	"net"
	"net/netip"
	"runtime"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// batchSize is how many datagrams one system call reads or writes.
const batchSize = 32

// batchConn is what ipv4.PacketConn and ipv6.PacketConn share.
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// serveUDPBatch serves c with batched reads and writes (recvmmsg and
// sendmmsg on Linux): one system call moves up to batchSize datagrams
// each way, which is where a UDP server spends its time. It reports false
// where batching is not available, and the caller falls back to one
// datagram per call.
func (s *Server) serveUDPBatch(c *net.UDPConn) bool {
	if runtime.GOOS != "linux" {
		return false
	}
	var pc batchConn
	if c.LocalAddr().(*net.UDPAddr).IP.To4() != nil {
		pc = ipv4.NewPacketConn(c)
	} else {
		pc = ipv6.NewPacketConn(c)
	}
	st := s.newCounters()
	in := make([]ipv4.Message, batchSize)
	out := make([]ipv4.Message, batchSize)
	for i := range in {
		in[i].Buffers = [][]byte{make([]byte, MaxMsgSize)}
		out[i].Buffers = [][]byte{make([]byte, 0, MaxMsgSize)}
	}
	for {
		n, err := pc.ReadBatch(in, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return true
			}
			continue
		}
		k := 0
		for i := range n {
			from, ok := in[i].Addr.(*net.UDPAddr)
			if !ok {
				continue
			}
			resp := s.respondUDP(st, in[i].Buffers[0][:in[i].N], addrPortOf4(from), out[k].Buffers[0][:0])
			if resp == nil {
				continue
			}
			out[k].Buffers[0] = resp
			out[k].Addr = from
			k++
		}
		for sent := 0; sent < k; {
			m, err := pc.WriteBatch(out[sent:k], 0)
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return true
				}
				break // a failed write loses these answers; clients retry
			}
			sent += m
		}
	}
}

// addrPortOf4 converts without allocating.
func addrPortOf4(a *net.UDPAddr) netip.AddrPort {
	ip, _ := netip.AddrFromSlice(a.IP)
	return netip.AddrPortFrom(ip.Unmap(), uint16(a.Port))
}
