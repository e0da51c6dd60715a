package mainline

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha1"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/networkutopia/p2p/dht/kademlia"
	"github.com/networkutopia/p2p/transport"
)

// BEP 44 limits and error codes.
const (
	MaxItemValue = 1000 // bytes of an item's bencoded value
	MaxItemSalt  = 64

	errTooBig   = 205
	errBadSig   = 206
	errSaltBig  = 207
	errCAS      = 301
	errSeqOlder = 302
)

// Item is a BEP 44 item: an immutable one (K nil), named by the SHA-1 of
// its value, or a mutable one, named by the SHA-1 of its public key and
// salt and signed with the key.
type Item struct {
	// V is the value, bencoded (at most MaxItemValue bytes).
	V []byte
	// K is the ed25519 public key of a mutable item; nil for immutable.
	K ed25519.PublicKey
	// Salt tells apart the items of one key (at most MaxItemSalt bytes).
	Salt []byte
	// Seq is the mutable item's version: a put must not go backwards.
	Seq int64
	// Sig is the signature of Salt, Seq and V under K.
	Sig []byte
}

// Target returns the ID the item is stored under.
func (it Item) Target() kademlia.ID {
	if it.K == nil {
		return kademlia.ID(sha1.Sum(it.V))
	}
	return MutableTarget(it.K, it.Salt)
}

// MutableTarget is the ID of the mutable items of key k with salt.
func MutableTarget(k ed25519.PublicKey, salt []byte) kademlia.ID {
	return kademlia.ID(sha1.Sum(append(bytes.Clone(k), salt...)))
}

// signed returns what a mutable item's signature covers (BEP 44).
func signed(salt []byte, seq int64, v []byte) []byte {
	var b []byte
	if len(salt) > 0 {
		b = append(strconv.AppendInt(append(b, "4:salt"...), int64(len(salt)), 10), ':')
		b = append(b, salt...)
	}
	b = append(strconv.AppendInt(append(b, "3:seqi"...), seq, 10), "e1:v"...)
	return append(b, v...)
}

// NewMutableItem returns the mutable item of value v (bencoded) with salt
// and seq, signed with priv.
func NewMutableItem(priv ed25519.PrivateKey, salt []byte, seq int64, v []byte) Item {
	return Item{V: v, K: priv.Public().(ed25519.PublicKey), Salt: salt, Seq: seq, Sig: ed25519.Sign(priv, signed(salt, seq, v))}
}

// verify checks the item against target: the hash of an immutable value,
// or the key, salt and signature of a mutable one.
func (it Item) verify(target kademlia.ID) bool {
	if len(it.V) == 0 || len(it.V) > MaxItemValue || it.Target() != target {
		return false
	}
	if it.K == nil {
		return true
	}
	return len(it.K) == ed25519.PublicKeySize && len(it.Sig) == ed25519.SignatureSize &&
		ed25519.Verify(it.K, signed(it.Salt, it.Seq, it.V), it.Sig)
}

// storedItem is an item kept here for others.
type storedItem struct {
	Item
	expires int64
	sender  netip.Addr
}

// itemStore holds BEP 44 items within Config's limits.
type itemStore struct {
	cfg      Config
	items    map[kademlia.ID]*storedItem
	bySender map[netip.Addr]int
}

func newItemStore(cfg Config) *itemStore {
	return &itemStore{cfg: cfg, items: make(map[kademlia.ID]*storedItem), bySender: make(map[netip.Addr]int)}
}

func (s *itemStore) expire(now time.Time) {
	t := now.UnixNano()
	for k, it := range s.items {
		if it.expires <= t {
			s.drop(k, it)
		}
	}
}

func (s *itemStore) drop(k kademlia.ID, it *storedItem) {
	delete(s.items, k)
	if s.bySender[it.sender]--; s.bySender[it.sender] <= 0 {
		delete(s.bySender, it.sender)
	}
}

// onPut stores an item if its token, size, signature and sequence number
// are good.
func (p *Peer) onPut(from transport.Addr, host string, m *msg) {
	ap, _ := addrPort(from)
	it := Item{V: m.V, K: m.K, Salt: m.Salt, Seq: m.Seq, Sig: m.Sig}
	refuse := func(counter *uint64, code int, text string) {
		*counter++
		p.sendError(from, m, code, text)
	}
	switch {
	case !p.tokens.Valid(host, []byte(m.Token)):
		refuse(&p.stats.TokensRefused, errProtocol, "bad token")
		return
	case len(m.V) > MaxItemValue:
		refuse(&p.stats.ItemsRefused, errTooBig, "message (v field) too big")
		return
	case len(m.Salt) > MaxItemSalt:
		refuse(&p.stats.ItemsRefused, errSaltBig, "salt (salt field) too big")
		return
	case !it.verify(it.Target()):
		refuse(&p.stats.BadSignatures, errBadSig, "invalid signature")
		return
	}
	target := it.Target()
	s := p.items
	old := s.items[target]
	if old != nil && it.K != nil {
		switch {
		case m.HasCAS && m.CAS != old.Seq:
			refuse(&p.stats.SeqRefused, errCAS, "CAS mismatch, re-read value and try again")
			return
		case it.Seq < old.Seq || (it.Seq == old.Seq && !bytes.Equal(it.V, old.V)):
			refuse(&p.stats.SeqRefused, errSeqOlder, "sequence number less than current")
			return
		}
	}
	expires := p.env.Now().Add(p.cfg.ItemTTL).UnixNano()
	if old == nil {
		switch {
		case len(s.items) >= p.cfg.MaxItems:
			refuse(&p.stats.ItemsRefused, errServer, "storage full")
			return
		case s.bySender[ap.Addr()] >= p.cfg.MaxItemsPerSender:
			refuse(&p.stats.ItemsRefused, errServer, "too many items from this IP")
			return
		}
		s.bySender[ap.Addr()]++
		old = &storedItem{sender: ap.Addr()}
		s.items[target] = old
	}
	old.Item = Item{V: bytes.Clone(it.V), K: bytes.Clone(it.K), Salt: bytes.Clone(it.Salt), Seq: it.Seq, Sig: bytes.Clone(it.Sig)}
	old.expires = expires
	p.stats.Puts++
	p.reply(from, m, &msg{})
}

// onGet answers a get with a token, the closest nodes and the item if it
// is here (for a mutable item, its value only if newer than the query's
// seq).
func (p *Peer) onGet(from transport.Addr, host string, m *msg) {
	r := &msg{Token: string(p.tokens.Issue(host)), Nodes: p.nodesFor(m.Target, m.Want, from)}
	if it := p.items.items[m.Target]; it != nil && it.expires > p.env.Now().UnixNano() {
		if it.K != nil {
			r.K, r.Sig, r.Seq = it.K, it.Sig, it.Seq
		}
		if it.K == nil || !m.HasSeq || it.Seq > m.Seq {
			r.V = it.V
		}
	}
	p.reply(from, m, r)
}

// GetItem looks up the immutable item stored under target: the value
// whose SHA-1 is target. Responses that do not hash to it are ignored.
func (p *Peer) GetItem(target kademlia.ID, done func(Item, error)) {
	p.getItem(target, nil, nil, done)
}

// GetMutable looks up the mutable item of key k with salt, at the highest
// sequence number heard. Responses whose signature does not check are
// ignored.
func (p *Peer) GetMutable(k ed25519.PublicKey, salt []byte, done func(Item, error)) {
	p.getItem(MutableTarget(k, salt), k, bytes.Clone(salt), done)
}

func (p *Peer) getItem(target kademlia.ID, k ed25519.PublicKey, salt []byte, done func(Item, error)) {
	var best *Item
	p.walk(target, "get", func(r *msg) {
		if r.V == nil || (k == nil) != (r.K == nil) {
			return
		}
		it := Item{V: r.V}
		if k != nil {
			it = Item{V: r.V, K: r.K, Salt: salt, Seq: r.Seq, Sig: r.Sig}
		}
		if !it.verify(target) {
			p.stats.BadSignatures++
			return
		}
		if best == nil || it.Seq > best.Seq {
			best = &it
		}
	}, func(_ Result, err error) {
		switch {
		case best != nil:
			done(*best, nil)
		case err != nil:
			done(Item{}, err)
		default:
			done(Item{}, fmt.Errorf("%w: item %s", ErrNotFound, target.Short()))
		}
	})
}

// PutItem stores it at the K nodes closest to its target, with the
// tokens a get lookup collects; cas, if not nil, is the sequence number
// the put expects to replace. done gets how many nodes accepted.
func (p *Peer) PutItem(it Item, cas *int64, done func(accepted int, err error)) {
	target := it.Target()
	if !it.verify(target) {
		err := fmt.Errorf("mainline: put: the item does not check (value of 1..%d bytes, signature)", MaxItemValue)
		p.env.AfterFunc(0, func() { done(0, err) })
		return
	}
	p.walk(target, "get", nil, func(res Result, err error) {
		if err != nil {
			done(0, err)
			return
		}
		left, accepted := len(res.Closest), 0
		var last error
		for i, c := range res.Closest {
			q := &msg{Q: "put", Token: res.tokens[i], V: it.V}
			if it.K != nil {
				q.K, q.Sig, q.Seq, q.Salt = it.K, it.Sig, it.Seq, it.Salt
				if cas != nil {
					q.CAS, q.HasCAS = *cas, true
				}
			}
			p.query(c.Addr, q, func(_ *msg, err error) {
				if err == nil {
					accepted++
				} else {
					last = err
				}
				if left--; left == 0 {
					if accepted == 0 {
						done(0, fmt.Errorf("%w: none of %d nodes accepted the item: %w", ErrNoNodes, len(res.Closest), last))
						return
					}
					done(accepted, nil)
				}
			})
		}
	})
}
