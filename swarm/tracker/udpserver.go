package tracker

import (
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Defaults of UDPConfig.
const (
	// DefaultUDPMaxPacketSize bounds requests and responses: an Ethernet
	// MTU. A scrape of 64 info-hashes is 1 296 bytes.
	DefaultUDPMaxPacketSize = 1500
	// DefaultUDPRequestsPerSecond is what one address may send a second:
	// a seedbox announcing many torrents at once is slowed down, its
	// client retransmits.
	DefaultUDPRequestsPerSecond = 100
	// DefaultUDPMaxRateAddresses bounds the addresses whose rates are
	// tracked at once.
	DefaultUDPMaxRateAddresses = 100_000
)

// UDPConnIDLifetime is how long a connection ID the server issued is
// accepted: at least two minutes (BEP 15), at most three. A client uses
// one for a minute ([UDPClientConnIDLifetime]).
const UDPConnIDLifetime = 2 * time.Minute

// connIDEpoch is the time step of connection IDs: an ID issued in epoch e
// is accepted in e, e+1 and e+2.
const connIDEpoch = time.Minute

// UDPConfig bounds what a remote can make the UDP tracker do (see
// [Server.StartUDP]). The zero value is valid.
type UDPConfig struct {
	// MaxPacketSize bounds a request (a longer one is dropped, counted in
	// Stats.UDPDroppedMalformed) and a response (an answer lists no more
	// peers than fit). Default 1500 bytes.
	MaxPacketSize int
	// RequestsPerSecond bounds the packets one address (an IPv4 address
	// or an IPv6 /64) may send a second; the rest are dropped, counted in
	// Stats.UDPDroppedRate. Default 100.
	RequestsPerSecond int
	// MaxRateAddresses bounds the addresses whose rates are tracked in a
	// second; addresses beyond it share one address's rate. Default
	// 100 000.
	MaxRateAddresses int
}

// Validate names the first bad field.
func (c UDPConfig) Validate() error {
	switch {
	case c.MaxPacketSize != 0 && c.MaxPacketSize < udpAnnounceLen:
		return fmt.Errorf("%w: UDPConfig.MaxPacketSize must be 0 (default) or at least %d, got %d", ErrBadConfig, udpAnnounceLen, c.MaxPacketSize)
	case c.RequestsPerSecond < 0:
		return fmt.Errorf("%w: UDPConfig.RequestsPerSecond is negative", ErrBadConfig)
	case c.MaxRateAddresses < 0:
		return fmt.Errorf("%w: UDPConfig.MaxRateAddresses is negative", ErrBadConfig)
	}
	return nil
}

func (c UDPConfig) withDefaults() UDPConfig {
	c.MaxPacketSize = cmp.Or(c.MaxPacketSize, DefaultUDPMaxPacketSize)
	c.RequestsPerSecond = cmp.Or(c.RequestsPerSecond, DefaultUDPRequestsPerSecond)
	c.MaxRateAddresses = cmp.Or(c.MaxRateAddresses, DefaultUDPMaxRateAddresses)
	return c
}

// udpState is the UDP tracker's own: the key of its connection IDs and
// the per-address packet counts of the current second. It holds no state
// per client beyond those counts: a connection ID is verified by
// recomputing it.
type udpState struct {
	key [32]byte

	mu     sync.Mutex
	second int64                // of the counts, in Unix seconds
	counts map[netip.Addr]int32 // packets this second by addressKey
	others int32                // packets of addresses beyond MaxRateAddresses
}

func newUDPState() *udpState {
	u := &udpState{counts: map[netip.Addr]int32{}}
	_, _ = rand.Read(u.key[:]) // never fails (crypto/rand)
	return u
}

// connID is the connection ID of ip in epoch e: an HMAC, so that only
// this server can issue one and only for the address it answered.
func (u *udpState) connID(ip netip.Addr, e int64) uint64 {
	m := hmac.New(sha256.New, u.key[:])
	var b [24]byte
	binary.BigEndian.PutUint64(b[:], uint64(e))
	a := ip.As16()
	copy(b[8:], a[:])
	m.Write(b[:])
	return binary.BigEndian.Uint64(m.Sum(nil))
}

func epochOf(now time.Time) int64 { return now.Unix() / int64(connIDEpoch/time.Second) }

// validConnID reports whether id was issued to ip within the lifetime.
func (u *udpState) validConnID(id uint64, ip netip.Addr, now time.Time) bool {
	e := epochOf(now)
	for back := range int64(UDPConnIDLifetime/connIDEpoch) + 1 {
		if hmac.Equal(binary.BigEndian.AppendUint64(nil, id), binary.BigEndian.AppendUint64(nil, u.connID(ip, e-back))) {
			return true
		}
	}
	return false
}

// allow counts a packet of ip and reports whether it is within the rate.
func (u *udpState) allow(ip netip.Addr, now time.Time, cfg UDPConfig) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if sec := now.Unix(); sec != u.second {
		u.second, u.others = sec, 0
		if len(u.counts) > 0 {
			u.counts = make(map[netip.Addr]int32, min(len(u.counts), cfg.MaxRateAddresses))
		}
	}
	k := addressKey(ip)
	n, ok := u.counts[k]
	if !ok && len(u.counts) >= cfg.MaxRateAddresses {
		u.others++
		return u.others <= int32(cfg.RequestsPerSecond)
	}
	if int(n) >= cfg.RequestsPerSecond {
		return false
	}
	u.counts[k] = n + 1
	return true
}

// serveUDP answers packets on pc until it is closed.
func (s *Server) serveUDP(pc *net.UDPConn) {
	cfg := s.cfg.UDP
	buf := make([]byte, cfg.MaxPacketSize+1)
	out := make([]byte, 0, cfg.MaxPacketSize)
	for {
		n, from, err := pc.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // e.g. an ICMP error of an earlier answer
		}
		if resp := s.handleUDP(buf[:n], from, out[:0]); len(resp) > 0 {
			_, _ = pc.WriteToUDPAddrPort(resp, from)
		}
	}
}

// handleUDP answers one packet from from, appending the answer to out; nil
// drops it (counted).
func (s *Server) handleUDP(b []byte, from netip.AddrPort, out []byte) []byte {
	cfg := s.cfg.UDP
	ip := from.Addr().Unmap()
	now := s.cfg.Now()
	if !s.udp.allow(ip, now, cfg) {
		s.count(func(st *Stats) { st.UDPDroppedRate++ })
		return nil
	}
	if len(b) > cfg.MaxPacketSize {
		s.count(func(st *Stats) { st.UDPDroppedMalformed++ })
		return nil
	}
	r, err := parseUDPRequest(b, s.cfg.MaxScrapeHashes)
	if err != nil {
		s.count(func(st *Stats) { st.UDPDroppedMalformed++ })
		return nil
	}
	if r.action == actionConnect {
		s.count(func(st *Stats) { st.UDPConnects++ })
		out = appendRespHeader(out, actionConnect, r.txID)
		return binary.BigEndian.AppendUint64(out, s.udp.connID(ip, epochOf(now)))
	}
	if !s.udp.validConnID(r.connID, ip, now) {
		s.count(func(st *Stats) { st.UDPDroppedConnID++ })
		return nil
	}
	if r.action == actionScrape {
		counts, msg := s.counts(r.hashes)
		if msg != "" {
			return udpError(out, r.txID, msg)
		}
		out = appendRespHeader(out, actionScrape, r.txID)
		for _, c := range counts {
			out = binary.BigEndian.AppendUint32(out, uint32(c.Complete))
			out = binary.BigEndian.AppendUint32(out, uint32(c.Downloaded))
			out = binary.BigEndian.AppendUint32(out, uint32(c.Incomplete))
		}
		return out
	}
	return s.udpAnnounce(r, ip, out)
}

func udpError(out []byte, txID uint32, msg string) []byte {
	return append(appendRespHeader(out, actionError, txID), msg...)
}

// udpAnnounce answers an announce with the peers of the family it came
// over, as many as fit in a packet.
func (s *Server) udpAnnounce(r udpRequest, ip netip.Addr, out []byte) []byte {
	switch {
	case r.port == 0:
		return udpError(out, r.txID, "bad port")
	case r.left < 0:
		return udpError(out, r.txID, "bad left")
	}
	family, entry := 4, 6
	if !ip.Is4() {
		family, entry = 6, 18
	}
	if r.ip.IsValid() && s.cfg.TrustIPParam && family == 4 {
		ip = r.ip
	}
	fit := (s.cfg.UDP.MaxPacketSize - udpAnnounceRespLn) / entry
	a, msg := s.register(announceArgs{hash: r.hash, ip: ip, port: r.port, left: r.left, event: r.event,
		numWant: min(s.numWant(int(r.numWant)), fit), family: family})
	if msg != "" {
		return udpError(out, r.txID, msg)
	}
	out = appendRespHeader(out, actionAnnounce, r.txID)
	out = binary.BigEndian.AppendUint32(out, uint32(s.cfg.Interval/time.Second))
	out = binary.BigEndian.AppendUint32(out, uint32(a.incomplete))
	out = binary.BigEndian.AppendUint32(out, uint32(a.complete))
	for _, p := range a.peers {
		if family == 6 {
			a16 := p.Addr().As16()
			out = append(out, a16[:]...)
			out = binary.BigEndian.AppendUint16(out, p.Port())
		} else {
			out = appendPeer(out, p)
		}
	}
	return out
}
