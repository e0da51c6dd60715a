package kademlia

import (
	"cmp"
	"math/rand/v2"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// TableConfig configures a [Table]. Zero fields take the defaults of
// [PeerConfig].
type TableConfig struct {
	// K is the bucket size.
	K int
	// MaxPerIP and MaxPerSubnet bound the contacts of one bucket at one
	// IP and in one /24 (IPv4) or /64 (IPv6).
	MaxPerIP, MaxPerSubnet int
	// MaxFails is how many failures in a row drop a contact that has no
	// replacement waiting.
	MaxFails int
	// RequireBEP42 keeps out nodes whose ID does not follow from their IP.
	RequireBEP42 bool
}

func (c TableConfig) withDefaults() TableConfig {
	c.K = cmp.Or(c.K, DefaultK)
	c.MaxPerIP = cmp.Or(c.MaxPerIP, DefaultMaxPerIP)
	c.MaxPerSubnet = cmp.Or(c.MaxPerSubnet, DefaultMaxPerSubnet)
	c.MaxFails = cmp.Or(c.MaxFails, DefaultMaxFails)
	return c
}

// Table is the routing table of a [Peer] (k-buckets, least-recently-seen
// eviction with a replacement cache, per-IP and per-subnet limits) for
// wire protocols built on this package, such as BEP 5 in swarm/mainline.
// Addresses are [transport.Addr]; the IP limits apply to IP multiaddrs
// (/ip4/…/udp/…). It is not safe for concurrent use.
type Table struct{ t *table }

// NewTable returns an empty table for a node with ID self.
func NewTable(self ID, cfg TableConfig, now time.Time) *Table {
	cfg = cfg.withDefaults()
	return &Table{newTable(self, PeerConfig{K: cfg.K, MaxPerIP: cfg.MaxPerIP, MaxPerSubnet: cfg.MaxPerSubnet,
		MaxFails: cfg.MaxFails, RequireBEP42: cfg.RequireBEP42}, now)}
}

// Seen records that c answered a request sent to c.Addr: the one way into
// the table. When c's bucket is full, c waits as a replacement and Seen
// returns the least recently seen contact, which the caller pings: if
// that ping fails ([Table.Failed]), c takes its place.
func (t *Table) Seen(c Contact, now time.Time) (ping Contact, ok bool) {
	if e := t.t.seen(c, now); e != nil {
		return e.Contact, true
	}
	return Contact{}, false
}

// Failed records that a request to addr got no answer.
func (t *Table) Failed(addr transport.Addr) { t.t.failed(addr) }

// Has reports whether id is a live contact.
func (t *Table) Has(id ID) bool { return t.t.has(id) }

// HasAddr reports whether a live contact is at addr.
func (t *Table) HasAddr(addr transport.Addr) bool {
	_, ok := t.t.byAddr[addr]
	return ok
}

// Closest returns up to n live contacts closest to target, closest first.
func (t *Table) Closest(target ID, n int) []Contact { return t.t.closest(target, n) }

// Nearest returns the up to n live contacts closest to target in no
// particular order: cheaper than Closest, for replies.
func (t *Table) Nearest(target ID, n int) []Contact { return t.t.nearest(target, n) }

// Len returns the number of live contacts.
func (t *Table) Len() int { return t.t.len() }

// Contacts returns every live contact, bucket by bucket.
func (t *Table) Contacts() []Contact { return t.t.contacts() }

// Refused counts the contacts the IP limits and BEP 42 kept out.
func (t *Table) Refused() uint64 { return t.t.refusedByLimit }

// Touched records a lookup of target: its bucket needs no refresh.
func (t *Table) Touched(target ID, now time.Time) { t.t.touched(target, now) }

// Stale returns random targets, one in each bucket to refresh: those no
// lookup went through since before, up to one past the deepest non-empty
// bucket.
func (t *Table) Stale(before time.Time, r *rand.Rand) []ID {
	var out []ID
	for _, i := range t.t.stale(before) {
		out = append(out, randomInBucket(r, t.t.self, i))
	}
	return out
}

// Questionable returns up to n contacts not seen since before and not
// being pinged, least recently seen first, and marks them as being
// pinged: the caller pings each.
func (t *Table) Questionable(before time.Time, n int) []Contact {
	es := t.t.questionable(before, n)
	out := make([]Contact, len(es))
	for i, e := range es {
		e.pinging = true
		out[i] = e.Contact
	}
	return out
}

// Tokens issues and checks write tokens: an HMAC of the requester's host
// under a secret that rotates, so a token is only good for the host it
// was given to and for one to two rotations. The zero value is usable
// once rotated twice. It is not safe for concurrent use.
type Tokens struct{ t tokens }

// Rotate replaces the previous secret by the current one and the current
// one by fresh; call it every TokenRotation.
func (t *Tokens) Rotate(fresh [16]byte) { t.t.rotate(fresh) }

// Issue returns the token of host under the current secret.
func (t *Tokens) Issue(host string) []byte { return t.t.issue(host) }

// Valid reports whether tok is host's token under the current or the
// previous secret.
func (t *Tokens) Valid(host string, tok []byte) bool { return t.t.valid(host, tok) }

// HostOf returns what tokens and per-sender limits bind to: the IP of an
// IP address (ports of inbound traffic are ephemeral), else the address.
func HostOf(a transport.Addr) string { return hostOf(a) }

// RandomInBucket returns a random ID that shares exactly i leading bits
// with self (0 <= i < IDBits): a lookup target that refreshes bucket i.
func RandomInBucket(r *rand.Rand, self ID, i int) ID { return randomInBucket(r, self, i) }
