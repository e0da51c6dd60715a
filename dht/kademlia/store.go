package kademlia

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"slices"
	"time"
)

// value is one stored value of a key.
type value struct {
	data    []byte
	expires time.Time
	stored  time.Time // last stored here by another node
	sender  string    // hostOf the node that first stored it, for MaxItemsPerSender
}

// record is the values of one key.
type record struct {
	values []*value
}

// store holds the values this node keeps for others, with the limits of
// its configuration.
type store struct {
	cfg      PeerConfig
	records  map[ID]*record
	items    int
	bySender map[string]int
}

func newStore(cfg PeerConfig) *store {
	return &store{cfg: cfg, records: make(map[ID]*record), bySender: make(map[string]int)}
}

// refusal says why a store was refused; 0 is accepted.
type refusal uint8

const (
	accepted refusal = iota
	refusedSize
	refusedFull
	refusedSender
	refusedKey
)

// put stores data under key for ttl on behalf of sender. Storing a value
// the key already holds only extends its life.
func (s *store) put(key ID, data []byte, ttl time.Duration, sender string, now time.Time) refusal {
	if len(data) > s.cfg.MaxValueSize || len(data) == 0 {
		return refusedSize
	}
	ttl = min(ttl, s.cfg.ValueTTL)
	r := s.records[key]
	if r != nil {
		if i := slices.IndexFunc(r.values, func(v *value) bool { return bytes.Equal(v.data, data) }); i >= 0 {
			v := r.values[i]
			v.expires = later(v.expires, now.Add(ttl))
			v.stored = now
			return accepted
		}
	}
	switch {
	case s.items >= s.cfg.MaxItems:
		return refusedFull
	case s.bySender[sender] >= s.cfg.MaxItemsPerSender:
		return refusedSender
	case r != nil && len(r.values) >= s.cfg.MaxValuesPerKey:
		return refusedKey
	}
	if r == nil {
		r = &record{}
		s.records[key] = r
	}
	r.values = append(r.values, &value{data: bytes.Clone(data), expires: now.Add(ttl), stored: now, sender: sender})
	s.items++
	s.bySender[sender]++
	return accepted
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// get returns the values of key, in the order they were stored.
func (s *store) get(key ID, now time.Time) [][]byte {
	r := s.records[key]
	if r == nil {
		return nil
	}
	var out [][]byte
	for _, v := range r.values {
		if v.expires.After(now) {
			out = append(out, v.data)
		}
	}
	return out
}

// expire drops the values whose time is up.
func (s *store) expire(now time.Time) {
	for _, key := range s.keys() {
		r := s.records[key]
		r.values = slices.DeleteFunc(r.values, func(v *value) bool {
			if v.expires.After(now) {
				return false
			}
			s.items--
			if s.bySender[v.sender]--; s.bySender[v.sender] <= 0 {
				delete(s.bySender, v.sender)
			}
			return true
		})
		if len(r.values) == 0 {
			delete(s.records, key)
		}
	}
}

// keys returns the stored keys in order, so that what follows from them
// is deterministic.
func (s *store) keys() []ID {
	out := make([]ID, 0, len(s.records))
	for k := range s.records {
		out = append(out, k)
	}
	slices.SortFunc(out, compareIDs)
	return out
}

// tokens issues and checks write tokens: an HMAC of the requester's host
// under a secret that rotates, so a token is only good for the host it
// was given to (no one can store in another's name) and for a limited time.
type tokens struct {
	cur, prev [16]byte
}

func (t *tokens) rotate(fresh [16]byte) { t.prev, t.cur = t.cur, fresh }

func tokenFor(secret [16]byte, host string) []byte {
	m := hmac.New(sha256.New, secret[:])
	m.Write([]byte(host))
	return m.Sum(nil)[:tokenLen]
}

func (t *tokens) issue(host string) []byte { return tokenFor(t.cur, host) }

func (t *tokens) valid(host string, tok []byte) bool {
	return hmac.Equal(tok, tokenFor(t.cur, host)) || hmac.Equal(tok, tokenFor(t.prev, host))
}
