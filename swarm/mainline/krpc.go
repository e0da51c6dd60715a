package mainline

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/networkutopia/p2p/dht/kademlia"
	"github.com/networkutopia/p2p/swarm/bencode"
	"github.com/networkutopia/p2p/transport"
)

// KRPC error codes (BEP 5).
const (
	errGeneric  = 201
	errServer   = 202
	errProtocol = 203
	errMethod   = 204
)

// Wire limits.
const (
	maxDatagram  = 64 << 10 // the decoder's input bound (a UDP datagram)
	maxDepth     = 8        // KRPC nests 3 deep; BEP 44 values a little more
	maxTxnLen    = 16       // transaction IDs
	maxTokenLen  = 64
	txnLen       = 4 // ours
	nodeLen4     = kademlia.IDLen + 6
	nodeLen6     = kademlia.IDLen + 18
	maxWant      = 4
	maxStringArg = 256 // "v" and error texts we keep
)

// msg is one KRPC message: a query (Y 'q'), a response ('r') or an error
// ('e'), with the fields of every method. A datagram that does not
// decode is a msg with err set, so that the handler counts it and, for a
// query it can answer, replies with error 203.
type msg struct {
	T  string // transaction ID
	Y  byte
	Q  string // query method
	ID kademlia.ID
	// Query arguments.
	Target, InfoHash kademlia.ID
	Port             int
	ImpliedPort      bool
	Want             []string // BEP 32: "n4", "n6"
	// Token is given by get_peers and sent back with announce_peer.
	Token string
	// Response fields.
	Nodes  []kademlia.Contact // nodes and nodes6, decoded together
	Values []netip.AddrPort
	// BEP 44 items: V is the bencoded value, K the ed25519 public key,
	// Sig its signature, Seq its sequence number (HasSeq: given), Salt,
	// and CAS the sequence number a put expects to replace (HasCAS).
	V, K, Sig, Salt []byte
	Seq, CAS        int64
	HasSeq, HasCAS  bool
	// RO is BEP 43's read-only flag of a query.
	RO bool
	// IP is BEP 42's "ip": the requester's address as the responder saw it.
	IP netip.AddrPort
	// Error responses.
	Code int
	Text string

	err error // why it did not decode
}

// Size is an estimate of the encoded length.
func (m *msg) Size() int {
	return 64 + len(m.T) + len(m.Q) + len(m.Token) + len(m.Text) + nodeLen6*len(m.Nodes) + 20*len(m.Values) +
		len(m.V) + len(m.K) + len(m.Sig) + len(m.Salt)
}

func (m *msg) String() string {
	return fmt.Sprintf("krpc %c %s t=%x id=%s nodes=%d values=%d err=%v", m.Y, m.Q, m.T, m.ID.Short(), len(m.Nodes), len(m.Values), m.err)
}

// codec is the KRPC PacketCodec of a Host. Undecodable datagrams become
// messages with err set rather than errors, so that the peer counts them.
type codec struct{}

func (codec) MarshalPacket(tm transport.Message) ([]byte, error) {
	m, ok := tm.(*msg)
	if !ok {
		return nil, fmt.Errorf("mainline: cannot send %T", tm)
	}
	return encode(m)
}

func (codec) UnmarshalPacket(b []byte) (transport.Message, error) {
	m, err := decode(b)
	if err != nil {
		if m == nil {
			m = &msg{}
		}
		m.err = err
	}
	return m, nil
}

// addrPort returns the IP and port of an IP multiaddr
// (/ip4|ip6/HOST/udp|tcp/PORT), without allocating: it runs for every
// contact of every reply.
func addrPort(a transport.Addr) (netip.AddrPort, bool) {
	s := string(a)
	if len(s) < 6 || (s[:5] != "/ip4/" && s[:5] != "/ip6/") {
		return netip.AddrPort{}, false
	}
	rest := s[5:]
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return netip.AddrPort{}, false
	}
	host, rest := rest[:i], rest[i+1:]
	if len(rest) < 5 || (rest[:4] != "udp/" && rest[:4] != "tcp/") {
		return netip.AddrPort{}, false
	}
	port, err := strconv.ParseUint(rest[4:], 10, 16)
	if err != nil {
		return netip.AddrPort{}, false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || ip.Zone() != "" || (s[3] == '4') != ip.Is4() {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip, uint16(port)), true
}

// udpAddr returns the multiaddr of a UDP address.
func udpAddr(ap netip.AddrPort) transport.Addr {
	return transport.FromNetAddr(net.UDPAddrFromAddrPort(ap))
}

func appendCompact(b []byte, ap netip.AddrPort) []byte {
	a := ap.Addr().Unmap()
	b = append(b, a.AsSlice()...)
	return binary.BigEndian.AppendUint16(b, ap.Port())
}

func parseCompact(b []byte) (netip.AddrPort, bool) {
	var a netip.Addr
	switch len(b) {
	case 6:
		a = netip.AddrFrom4([4]byte(b[:4]))
	case 18:
		a = netip.AddrFrom16([16]byte(b[:16])).Unmap()
	default:
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a, binary.BigEndian.Uint16(b[len(b)-2:])), true
}

// encode returns the bencoding of m.
func encode(m *msg) ([]byte, error) {
	d := map[string]any{"t": m.T, "y": string(m.Y)}
	if m.IP.IsValid() {
		d["ip"] = appendCompact(nil, m.IP)
	}
	switch m.Y {
	case 'q':
		d["q"] = m.Q
		a := map[string]any{"id": m.ID[:]}
		switch m.Q {
		case "find_node":
			a["target"] = m.Target[:]
		case "get_peers":
			a["info_hash"] = m.InfoHash[:]
		case "announce_peer":
			a["info_hash"] = m.InfoHash[:]
			a["port"] = m.Port
			a["token"] = m.Token
			if m.ImpliedPort {
				a["implied_port"] = 1
			}
		case "get":
			a["target"] = m.Target[:]
			if m.HasSeq {
				a["seq"] = m.Seq
			}
		case "put":
			a["token"] = m.Token
			a["v"] = bencode.RawMessage(m.V)
			if m.K != nil {
				a["k"], a["sig"], a["seq"] = m.K, m.Sig, m.Seq
				if len(m.Salt) > 0 {
					a["salt"] = m.Salt
				}
				if m.HasCAS {
					a["cas"] = m.CAS
				}
			}
		}
		if len(m.Want) > 0 {
			a["want"] = m.Want
		}
		d["a"] = a
		if m.RO {
			d["ro"] = 1
		}
	case 'r':
		return appendResponse(make([]byte, 0, 128+nodeLen4*len(m.Nodes)+8*len(m.Values)), m), nil
	case 'e':
		d["e"] = []any{m.Code, m.Text}
	default:
		return nil, fmt.Errorf("mainline: cannot send a message of type %q", m.Y)
	}
	return bencode.Marshal(d)
}

// appendResponse appends the bencoding of response m, keys in order,
// without the maps and sorting of the generic encoder (replies are the
// hot path).
func appendResponse(b []byte, m *msg) []byte {
	str := func(b []byte, s []byte) []byte {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		return append(append(b, ':'), s...)
	}
	key := func(b []byte, k string) []byte { return str(b, []byte(k)) }
	b = append(b, 'd')
	if m.IP.IsValid() {
		var buf [18]byte
		b = str(key(b, "ip"), appendCompact(buf[:0], m.IP))
	}
	b = append(key(b, "r"), 'd')
	b = str(key(b, "id"), m.ID[:])
	if m.K != nil {
		b = str(key(b, "k"), m.K)
	}
	var n4, n6 []byte
	for _, c := range m.Nodes {
		ap, ok := addrPort(c.Addr)
		switch {
		case !ok:
		case ap.Addr().Is4():
			n4 = appendCompact(append(n4, c.ID[:]...), ap)
		default:
			n6 = appendCompact(append(n6, c.ID[:]...), ap)
		}
	}
	if n4 != nil {
		b = str(key(b, "nodes"), n4)
	}
	if n6 != nil {
		b = str(key(b, "nodes6"), n6)
	}
	if m.K != nil {
		b = append(strconv.AppendInt(append(key(b, "seq"), 'i'), m.Seq, 10), 'e')
		b = str(key(b, "sig"), m.Sig)
	}
	if m.Token != "" {
		b = str(key(b, "token"), []byte(m.Token))
	}
	if m.V != nil {
		b = append(key(b, "v"), m.V...)
	}
	if len(m.Values) > 0 {
		b = append(key(b, "values"), 'l')
		for _, v := range m.Values {
			var buf [18]byte
			b = str(b, appendCompact(buf[:0], v))
		}
		b = append(b, 'e')
	}
	b = append(b, 'e')
	b = str(key(b, "t"), []byte(m.T))
	b = str(key(b, "y"), []byte{'r'})
	return append(b, 'e')
}

var limits = bencode.Limits{MaxDepth: maxDepth, MaxSize: maxDatagram}

// decode parses one KRPC datagram. It returns a partial message with the
// error when the envelope (t and y) decoded but the rest did not, so that
// a malformed query can get an error reply.
func decode(b []byte) (*msg, error) {
	v, err := limits.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	d, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: a %s, not a dictionary", ErrMalformed, kind(v))
	}
	m := &msg{}
	t, ok := d["t"].(string)
	if !ok || len(t) == 0 || len(t) > maxTxnLen {
		return nil, fmt.Errorf("%w: \"t\" must be a string of 1 to %d bytes", ErrMalformed, maxTxnLen)
	}
	m.T = t
	y, ok := d["y"].(string)
	if !ok || len(y) != 1 || (y[0] != 'q' && y[0] != 'r' && y[0] != 'e') {
		return nil, fmt.Errorf("%w: \"y\" must be q, r or e", ErrMalformed)
	}
	m.Y = y[0]
	if err := m.decodeBody(d); err != nil {
		return m, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return m, nil
}

func kind(v any) string {
	switch v.(type) {
	case int64:
		return "integer"
	case string:
		return "string"
	case []any:
		return "list"
	case map[string]any:
		return "dictionary"
	}
	return fmt.Sprintf("%T", v)
}

// dict reads typed keys of a bencoded dictionary.
type dict map[string]any

func (d dict) str(key string, required bool) (string, bool, error) {
	v, ok := d[key]
	if !ok {
		if required {
			return "", false, fmt.Errorf("%q is missing", key)
		}
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, fmt.Errorf("%q is a %s, want a string", key, kind(v))
	}
	return s, true, nil
}

func (d dict) id(key string, required bool) (kademlia.ID, bool, error) {
	s, ok, err := d.str(key, required)
	if err != nil || !ok {
		return kademlia.ID{}, ok, err
	}
	if len(s) != kademlia.IDLen {
		return kademlia.ID{}, false, fmt.Errorf("%q is %d bytes, want %d", key, len(s), kademlia.IDLen)
	}
	return kademlia.ID([]byte(s)), true, nil
}

func (d dict) integer(key string) (int64, bool, error) {
	v, ok := d[key]
	if !ok {
		return 0, false, nil
	}
	n, ok := v.(int64)
	if !ok {
		return 0, false, fmt.Errorf("%q is a %s, want an integer", key, kind(v))
	}
	return n, true, nil
}

func (m *msg) decodeBody(top dict) error {
	if ro, ok, err := top.integer("ro"); err != nil {
		return err
	} else if ok {
		m.RO = ro == 1
	}
	if s, ok, err := top.str("ip", false); err != nil {
		return err
	} else if ok {
		if m.IP, ok = parseCompact([]byte(s)); !ok {
			return fmt.Errorf("\"ip\" is %d bytes, want 6 or 18", len(s))
		}
	}
	switch m.Y {
	case 'q':
		q, _, err := top.str("q", true)
		if err != nil {
			return err
		}
		m.Q = q
		av, ok := top["a"]
		if !ok {
			return fmt.Errorf("\"a\" is missing")
		}
		a, ok := av.(map[string]any)
		if !ok {
			return fmt.Errorf("\"a\" is a %s, want a dictionary", kind(av))
		}
		return m.decodeArgs(a)
	case 'r':
		rv, ok := top["r"]
		if !ok {
			return fmt.Errorf("\"r\" is missing")
		}
		r, ok := rv.(map[string]any)
		if !ok {
			return fmt.Errorf("\"r\" is a %s, want a dictionary", kind(rv))
		}
		return m.decodeResponse(r)
	default:
		ev, ok := top["e"]
		if !ok {
			return fmt.Errorf("\"e\" is missing")
		}
		e, ok := ev.([]any)
		if !ok || len(e) < 2 {
			return fmt.Errorf("\"e\" must be a list of a code and a text")
		}
		code, ok1 := e[0].(int64)
		text, ok2 := e[1].(string)
		if !ok1 || !ok2 {
			return fmt.Errorf("\"e\" must be a list of an integer and a string")
		}
		m.Code, m.Text = int(code), text[:min(len(text), maxStringArg)]
		return nil
	}
}

func (m *msg) decodeArgs(a dict) error {
	var err error
	if m.ID, _, err = a.id("id", true); err != nil {
		return err
	}
	if m.Token, _, err = a.str("token", false); err != nil {
		return err
	}
	if len(m.Token) > maxTokenLen {
		return fmt.Errorf("\"token\" is %d bytes, limit %d", len(m.Token), maxTokenLen)
	}
	if err := m.decodeWant(a); err != nil {
		return err
	}
	switch m.Q {
	case "find_node":
		m.Target, _, err = a.id("target", true)
	case "get_peers":
		m.InfoHash, _, err = a.id("info_hash", true)
	case "announce_peer":
		if m.InfoHash, _, err = a.id("info_hash", true); err != nil {
			return err
		}
		if _, ok := a["token"]; !ok {
			return fmt.Errorf("\"token\" is missing")
		}
		implied, _, err := a.integer("implied_port")
		if err != nil {
			return err
		}
		m.ImpliedPort = implied != 0
		port, ok, err := a.integer("port")
		switch {
		case err != nil:
			return err
		case !ok && !m.ImpliedPort:
			return fmt.Errorf("\"port\" is missing")
		case ok && (port < 0 || port > 65535):
			return fmt.Errorf("\"port\" %d is out of range", port)
		}
		m.Port = int(port)
	case "get":
		if m.Target, _, err = a.id("target", true); err != nil {
			return err
		}
		m.Seq, m.HasSeq, err = a.integer("seq")
	case "put":
		if _, ok := a["token"]; !ok {
			return fmt.Errorf("\"token\" is missing")
		}
		if _, ok := a["v"]; !ok {
			return fmt.Errorf("\"v\" is missing")
		}
		return m.decodeItem(a)
	}
	return err
}

// decodeItem reads the BEP 44 fields of a put query or a get response:
// v (re-encoded: the decoder takes canonical bencoding only, so the bytes
// are those signed), k, sig, seq, salt, cas.
func (m *msg) decodeItem(d dict) error {
	if v, ok := d["v"]; ok {
		b, err := bencode.Marshal(v)
		if err != nil {
			return fmt.Errorf("\"v\": %w", err)
		}
		m.V = b
	}
	for _, f := range []struct {
		key string
		dst *[]byte
		n   int
	}{{"k", &m.K, 32}, {"sig", &m.Sig, 64}, {"salt", &m.Salt, -1}} {
		s, ok, err := d.str(f.key, false)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if f.n > 0 && len(s) != f.n {
			return fmt.Errorf("%q is %d bytes, want %d", f.key, len(s), f.n)
		}
		*f.dst = []byte(s)
	}
	var err error
	if m.Seq, m.HasSeq, err = d.integer("seq"); err != nil {
		return err
	}
	if m.CAS, m.HasCAS, err = d.integer("cas"); err != nil {
		return err
	}
	if (m.K == nil) != (m.Sig == nil) || (m.K != nil && !m.HasSeq) {
		return fmt.Errorf("a mutable item needs k, sig and seq together")
	}
	return nil
}

func (m *msg) decodeWant(a dict) error {
	v, ok := a["want"]
	if !ok {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		return fmt.Errorf("\"want\" is a %s, want a list", kind(v))
	}
	for _, w := range l[:min(len(l), maxWant)] {
		s, ok := w.(string)
		if !ok {
			return fmt.Errorf("\"want\" holds a %s, want strings", kind(w))
		}
		m.Want = append(m.Want, s)
	}
	return nil
}

// maxValuesDecoded bounds the peers kept from one response: more than a
// datagram's worth of 6-byte peers never comes from an honest node.
const maxValuesDecoded = maxDatagram / 8

func (m *msg) decodeResponse(r dict) error {
	var err error
	if m.ID, _, err = r.id("id", true); err != nil {
		return err
	}
	if m.Token, _, err = r.str("token", false); err != nil {
		return err
	}
	if len(m.Token) > maxTokenLen {
		return fmt.Errorf("\"token\" is %d bytes, limit %d", len(m.Token), maxTokenLen)
	}
	for _, f := range []struct {
		key string
		n   int
	}{{"nodes", nodeLen4}, {"nodes6", nodeLen6}} {
		s, ok, err := r.str(f.key, false)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if len(s)%f.n != 0 {
			return fmt.Errorf("%q is %d bytes, not a multiple of %d", f.key, len(s), f.n)
		}
		for i := 0; i < len(s); i += f.n {
			ap, _ := parseCompact([]byte(s[i+kademlia.IDLen : i+f.n]))
			if ap.Port() == 0 || !ap.Addr().IsValid() || ap.Addr().IsUnspecified() {
				continue // nothing to send to
			}
			m.Nodes = append(m.Nodes, kademlia.Contact{ID: kademlia.ID([]byte(s[i : i+kademlia.IDLen])), Addr: udpAddr(ap)})
		}
	}
	if err := m.decodeItem(r); err != nil {
		return err
	}
	if v, ok := r["values"]; ok {
		l, ok := v.([]any)
		if !ok {
			return fmt.Errorf("\"values\" is a %s, want a list", kind(v))
		}
		if len(l) > maxValuesDecoded {
			return fmt.Errorf("\"values\" holds %d peers, limit %d", len(l), maxValuesDecoded)
		}
		for _, e := range l {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("\"values\" holds a %s, want strings", kind(e))
			}
			ap, ok := parseCompact([]byte(s))
			if !ok {
				return fmt.Errorf("a peer of \"values\" is %d bytes, want 6 or 18", len(s))
			}
			if ap.Port() != 0 {
				m.Values = append(m.Values, ap)
			}
		}
	}
	return nil
}
