package kademlia

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/networkutopia/p2p/transport"
)

// IDLen is the number of bytes of an [ID]: 160 bits, SHA-1's width.
const IDLen = 20

// IDBits is the number of bits of an [ID].
const IDBits = IDLen * 8

// ID names a node or a key: a 160-bit number, big-endian. Two IDs are as
// close as their XOR is small ([Distance]).
type ID [IDLen]byte

// HashKey returns the ID of a key: its SHA-1 digest.
func HashKey(key []byte) ID { return ID(sha1.Sum(key)) }

// IDFromAddr returns the ID a node at address a takes by default: the
// SHA-1 of the libp2p peer ID when a ends in /p2p/<id>, else of the
// address text, so that a node cannot simply choose where it lands.
func IDFromAddr(a transport.Addr) ID {
	text := string(a)
	if i := strings.LastIndex(text, "/p2p/"); i >= 0 {
		text = text[i+len("/p2p/"):]
	}
	return HashKey([]byte(text))
}

// RandomID returns a uniformly random ID drawn from r.
func RandomID(r *rand.Rand) ID {
	var id ID
	fillRandom(r, id[:])
	return id
}

func fillRandom(r *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}

// ParseID parses 40 hex digits.
func ParseID(s string) (ID, error) {
	var id ID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != IDLen {
		return id, fmt.Errorf("kademlia: bad ID %q: want %d hex digits", s, 2*IDLen)
	}
	copy(id[:], b)
	return id, nil
}

// String returns the ID in hex.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// Short returns the first 8 hex digits, for logs and examples.
func (id ID) Short() string { return hex.EncodeToString(id[:4]) }

// Distance returns a XOR b, the Kademlia distance between two IDs (read
// as a big-endian number).
func Distance(a, b ID) ID {
	var d ID
	for i := range d {
		d[i] = a[i] ^ b[i]
	}
	return d
}

// Closer compares the distances of a and b to target: negative if a is
// closer, positive if b is, 0 if a == b.
func Closer(target, a, b ID) int {
	for i := range target {
		x, y := a[i]^target[i], b[i]^target[i]
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// CommonPrefixLen returns the number of leading bits a and b share: 160
// for equal IDs. A node keeps a contact whose common prefix with it is i
// in its bucket i.
func CommonPrefixLen(a, b ID) int {
	for i := range a {
		if x := a[i] ^ b[i]; x != 0 {
			return i*8 + bits.LeadingZeros8(x)
		}
	}
	return IDBits
}

// randomInBucket returns a random ID that shares exactly i leading bits
// with self (i < IDBits): a target that refreshes bucket i.
func randomInBucket(r *rand.Rand, self ID, i int) ID {
	id := RandomID(r)
	for b := 0; b < i; b++ { // copy the first i bits of self
		mask := byte(0x80 >> (b % 8))
		id[b/8] = id[b/8]&^mask | self[b/8]&mask
	}
	mask := byte(0x80 >> (i % 8)) // flip bit i
	id[i/8] = id[i/8]&^mask | (^self[i/8])&mask
	return id
}

// Contact names a node: its ID and the address it answered from.
type Contact struct {
	// ID is the node's ID.
	ID ID
	// Addr is where it listens.
	Addr transport.Addr
}

// String returns "ID@Addr" with the short form of the ID.
func (c Contact) String() string { return c.ID.Short() + "@" + string(c.Addr) }

// sortByDistance sorts contacts closest to target first (by address for
// equal IDs). Distances are computed once, and compared as byte strings.
func sortByDistance(target ID, cs []Contact) {
	if len(cs) < 2 {
		return
	}
	type keyed struct {
		d ID
		c Contact
	}
	ks := make([]keyed, len(cs))
	for i, c := range cs {
		ks[i] = keyed{Distance(target, c.ID), c}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if c := bytes.Compare(a.d[:], b.d[:]); c != 0 {
			return c
		}
		return strings.Compare(string(a.c.Addr), string(b.c.Addr))
	})
	for i := range ks {
		cs[i] = ks[i].c
	}
}

// compareIDs orders IDs as big-endian numbers.
func compareIDs(a, b ID) int { return bytes.Compare(a[:], b[:]) }
