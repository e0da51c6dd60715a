package dnsx

import (
	"fmt"
	"maps"
	"slices"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// Update returns a new zone holding z's records without remove (matched
// by name, type and value; the TTL does not matter) and with add, checked
// like NewZone. Its cost grows with the records it changes, not with the
// zone: the names it does not touch are shared with z, which does not
// change. Dynamic update (authserver) applies every change through it.
func (z *Zone) Update(remove, add []RR) (*Zone, error) {
	n := &Zone{origin: z.origin, soa: z.soa, nodes: maps.Clone(z.nodes), records: z.records, names: z.sortedNames()}
	cloned := map[string]bool{}
	own := func(name string) *zoneNode {
		old := n.nodes[name]
		if old == nil || cloned[name] {
			return old
		}
		c := &zoneNode{cut: old.cut, sets: make([]rrset, len(old.sets))}
		for i, s := range old.sets {
			c.sets[i] = rrset{t: s.t, rrs: slices.Clone(s.rrs)}
		}
		n.nodes[name], cloned[name] = c, true
		return c
	}
	var emptied []string
	for _, in := range remove {
		rr, err := in.Canonical()
		if err != nil {
			return nil, err
		}
		node := own(rr.Name)
		if node == nil {
			continue
		}
		t, v := rr.Type(), rr.Value()
		for i := range node.sets {
			s := &node.sets[i]
			if s.t != t {
				continue
			}
			before := len(s.rrs)
			s.rrs = slices.DeleteFunc(s.rrs, func(x RR) bool { return x.Value() == v })
			n.records -= before - len(s.rrs)
			if len(s.rrs) == 0 {
				node.sets = slices.Delete(node.sets, i, i+1)
				if len(node.sets) == 0 {
					emptied = append(emptied, rr.Name)
				}
			}
			break
		}
	}
	for _, in := range add {
		rr, err := in.Canonical()
		if err != nil {
			return nil, err
		}
		t := rr.Type()
		switch {
		case t.isMeta():
			return nil, fmt.Errorf("%w: %s: %v records cannot be stored", ErrBadRecord, rr.Name, t)
		case rr.Class != ClassINET:
			return nil, fmt.Errorf("%w: %s: class %v (only IN is served)", ErrBadZone, rr.Name, rr.Class)
		case !IsSubdomain(rr.Name, n.origin):
			return nil, fmt.Errorf("%w: %s is outside the zone %s", ErrBadZone, rr.Name, n.origin)
		}
		node := own(rr.Name)
		if node != nil {
			if s := node.set(t); s != nil {
				rr.TTL = min(rr.TTL, s[0].TTL)
				for j := range s {
					s[j].TTL = rr.TTL // RFC 2181 section 5.2: one TTL per RRset
				}
				v := rr.Value()
				if slices.ContainsFunc(s, func(x RR) bool { return x.Value() == v }) {
					continue // held already
				}
			}
		}
		for a := rr.Name; a != "" && !cloned[a] && n.nodes[a] == nil; a = wire.ParentName(a) {
			n.addName(a) // the name and its new empty non-terminals
			if a == n.origin {
				break
			}
		}
		n.insert(rr)
		cloned[rr.Name] = true // a new node is n's own
	}
	for _, name := range emptied {
		n.dropEmpty(name)
	}
	if err := n.validate(); err != nil {
		return nil, err
	}
	return n, nil
}

// addName files name in the sorted names, during Update.
func (z *Zone) addName(name string) {
	if i, found := slices.BinarySearchFunc(z.names, name, CompareNames); !found {
		z.names = slices.Insert(slices.Clip(z.names), i, name)
	}
}

// dropEmpty removes the node of name if it holds nothing and no name lies
// below it, and then its ancestors that become empty non-terminals with
// nothing below, during Update.
func (z *Zone) dropEmpty(name string) {
	for name != z.origin && name != "" {
		n := z.nodes[name]
		if n == nil || len(n.sets) > 0 {
			return
		}
		i, found := slices.BinarySearchFunc(z.names, name, CompareNames)
		if !found {
			return
		}
		// In canonical order the names below name follow it directly.
		if i+1 < len(z.names) && IsSubdomain(z.names[i+1], name) {
			return
		}
		delete(z.nodes, name)
		z.names = slices.Delete(slices.Clone(z.names), i, i+1)
		name = wire.ParentName(name)
	}
}
