package wire

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/networkutopia/p2p/swarm/bencode"
)

// The extension protocol (BEP 10).
const (
	// IDExtended is the message id of every extension message.
	IDExtended = 20
	// ExtHandshakeID is the extended message id of the extended
	// handshake; the other ids are those each side names in its "m".
	ExtHandshakeID = 0
	// ReservedExtension is the byte and bit of Handshake.Reserved a
	// client sets when it speaks the extension protocol.
	ReservedExtensionByte, ReservedExtensionBit = 5, 0x10
	// MaxExtensions bounds the entries of an extended handshake's "m"
	// ParseExtHandshake accepts; more fail.
	MaxExtensions = 64
	// MaxClientName bounds the "v" string kept; a longer one is cut.
	MaxClientName = 64
)

// Extended is an extension message (BEP 10): its extended id and its
// payload, both left to the extension that owns the id to decode.
type Extended struct {
	ID      byte
	Payload []byte
}

// Size returns the bytes it takes on the wire.
func (m Extended) Size() int { return 6 + len(m.Payload) }

// SupportsExtensions reports whether h sets the BEP 10 reserved bit.
func (h Handshake) SupportsExtensions() bool {
	return h.Reserved[ReservedExtensionByte]&ReservedExtensionBit != 0
}

// WithExtensions returns reserved with the BEP 10 bit set.
func WithExtensions(reserved [8]byte) [8]byte {
	reserved[ReservedExtensionByte] |= ReservedExtensionBit
	return reserved
}

// ExtHandshake is the extended handshake (BEP 10), the payload of the
// Extended message of id 0.
type ExtHandshake struct {
	// M maps the names of the extensions the sender speaks to the
	// extended ids it wants to receive them with; 0 withdraws one.
	M map[string]byte
	// V names the client ("NU 0.1"); at most MaxClientName bytes kept.
	V string
	// P is the sender's listening port; 0 if absent.
	P uint16
	// MetadataSize is the length of the info dictionary (BEP 9); 0 if
	// absent.
	MetadataSize int64
	// Reqq is how many requests the sender queues; 0 if absent.
	Reqq int
	// YourIP is the address the sender sees us at; invalid if absent.
	YourIP netip.Addr
}

// AppendExtHandshake appends h's bencoding to dst.
func AppendExtHandshake(dst []byte, h ExtHandshake) []byte {
	m := make(map[string]any, len(h.M))
	for k, v := range h.M {
		m[k] = int64(v)
	}
	d := map[string]any{"m": m}
	if h.V != "" {
		d["v"] = h.V
	}
	if h.P != 0 {
		d["p"] = int64(h.P)
	}
	if h.MetadataSize > 0 {
		d["metadata_size"] = h.MetadataSize
	}
	if h.Reqq > 0 {
		d["reqq"] = int64(h.Reqq)
	}
	if h.YourIP.IsValid() {
		d["yourip"] = string(h.YourIP.Unmap().AsSlice())
	}
	b, err := bencode.Append(dst, d)
	if err != nil {
		panic(err) // only supported types above
	}
	return b
}

// extLimits bounds the bencoding of extension payloads: they are small.
var extLimits = bencode.Limits{MaxDepth: 4, MaxSize: DefaultMaxMessage}

// ParseExtHandshake decodes an extended handshake. Unknown keys are
// ignored; a key of the wrong type, an id over 255, more than
// MaxExtensions entries or a negative size fail with ErrMalformed.
func ParseExtHandshake(b []byte) (ExtHandshake, error) {
	var h ExtHandshake
	v, err := extLimits.Unmarshal(b)
	if err != nil {
		return h, fmt.Errorf("%w: extended handshake: %w", ErrMalformed, err)
	}
	d, err := bencode.AsDict(v)
	if err != nil {
		return h, fmt.Errorf("%w: extended handshake: %w", ErrMalformed, err)
	}
	bad := func(err error) (ExtHandshake, error) {
		return ExtHandshake{}, fmt.Errorf("%w: extended handshake: %w", ErrMalformed, err)
	}
	if d.Has("m") {
		m, err := d.Dict("m")
		if err != nil {
			return bad(err)
		}
		if len(m) > MaxExtensions {
			return bad(fmt.Errorf("%d extensions, limit %d", len(m), MaxExtensions))
		}
		h.M = make(map[string]byte, len(m))
		for k := range m {
			id, err := m.Int(k)
			if err != nil {
				return bad(err)
			}
			if id < 0 || id > 255 {
				return bad(fmt.Errorf("extension %q has id %d", k, id))
			}
			h.M[k] = byte(id)
		}
	}
	if d.Has("v") {
		if h.V, err = d.String("v"); err != nil {
			return bad(err)
		}
		if len(h.V) > MaxClientName {
			h.V = h.V[:MaxClientName]
		}
	}
	ints := []struct {
		key string
		max int64
		set func(int64)
	}{
		{"p", 65535, func(x int64) { h.P = uint16(x) }},
		{"metadata_size", 1 << 62, func(x int64) { h.MetadataSize = x }},
		{"reqq", 1 << 31, func(x int64) { h.Reqq = int(x) }},
	}
	for _, f := range ints {
		if !d.Has(f.key) {
			continue
		}
		x, err := d.Int(f.key)
		if err != nil {
			return bad(err)
		}
		if x < 0 || x > f.max {
			return bad(fmt.Errorf("%s %d is out of range", f.key, x))
		}
		f.set(x)
	}
	if d.Has("yourip") {
		s, err := d.String("yourip")
		if err != nil {
			return bad(err)
		}
		if ip, ok := netip.AddrFromSlice([]byte(s)); ok {
			h.YourIP = ip.Unmap()
		}
	}
	return h, nil
}

// Names returns the extensions h names with a non-zero id, sorted.
func (h ExtHandshake) Names() []string {
	var out []string
	for k, v := range h.M {
		if v != 0 {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
