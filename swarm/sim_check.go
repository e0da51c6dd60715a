package swarm

import (
	"errors"
	"fmt"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport"
)

// ErrUnverifiedAnnounce is the violation [Sim.CheckAnnounced] reports: an
// honest peer announced (in its bitfield, a Have or a Have All) a piece
// its storage does not hold verified.
var ErrUnverifiedAnnounce = errors.New("swarm: invariant: announced a piece not verified on storage")

// simStorage is the storage of a simulated honest peer: VirtualStorage
// that also records which pieces passed their check (or were there from
// the start, for a seed), for CheckAnnounced.
type simStorage struct {
	*VirtualStorage
	verified []bool
}

func newSimStorage(pieces int, full bool) *simStorage {
	s := &simStorage{VirtualStorage: &VirtualStorage{}, verified: make([]bool, pieces)}
	if full {
		for i := range s.verified {
			s.verified[i] = true
		}
	}
	return s
}

// CommitPiece records a piece that passed.
func (s *simStorage) CommitPiece(piece int, hash metainfo.Hash) error {
	err := s.VirtualStorage.CommitPiece(piece, hash)
	if err == nil && piece >= 0 && piece < len(s.verified) {
		s.verified[piece] = true
	}
	return err
}

// CheckAnnounced checks that no honest peer announced a piece it does not
// hold verified: for every live peer, what it claims to have (its own
// bitfield, which it sends to each new neighbour) and what each of its
// neighbours heard it announce (the neighbour's record of its bitfield,
// Haves and Have All) are pieces on its storage that passed their hash
// check. Polluters are left out: they announce what they do not have by
// design. It only reads, so it can be a [sim.Network] check:
//
//	s.Network().SetCheck(time.Second, s.CheckAnnounced)
func (s *Sim) CheckAnnounced() error {
	live := s.net.Live()
	peer := func(a transport.Addr) *Peer {
		p, _ := s.net.Handler(a).(*Peer)
		return p
	}
	for _, a := range live {
		st, ok := s.stores[a]
		p := peer(a)
		if !ok || p == nil {
			continue
		}
		have := p.picker.Bitfield()
		for i := range st.verified {
			if have.Has(i) && !st.verified[i] {
				return fmt.Errorf("%w: %s claims piece %d", ErrUnverifiedAnnounce, a, i)
			}
		}
	}
	for _, a := range live {
		p := peer(a)
		if p == nil {
			continue
		}
		for _, c := range p.list {
			st, ok := s.stores[c.addr]
			if !ok || !c.ready || !s.net.IsUp(c.addr) {
				continue // a polluter, or gone: its announcements died with it
			}
			for i := range st.verified {
				if c.has.Has(i) && !st.verified[i] {
					return fmt.Errorf("%w: %s heard %s announce piece %d", ErrUnverifiedAnnounce, a, c.addr, i)
				}
			}
		}
	}
	return nil
}
