package mainline

import "net/netip"

// External-IP learning from BEP 42's "ip" field: each reply says which
// address the responder saw us at. The last ipVotes replies vote, one
// vote per responding IP (a host that answers from many ports votes
// once), and an address is ours once at least minIPVoters distinct hosts
// and more than half of the votes name it.
const (
	ipVotes     = 16
	minIPVoters = 3
)

// ipVote is one responder's view of our address.
type ipVote struct {
	voter netip.Addr
	ip    netip.Addr
}

// ipPoll holds the last ipVotes votes, oldest first.
type ipPoll struct{ votes []ipVote }

// vote records that voter saw us at ip, replacing voter's earlier vote.
func (v *ipPoll) vote(voter, ip netip.Addr) {
	if !voter.IsValid() || !ip.IsValid() {
		return
	}
	for i, old := range v.votes {
		if old.voter == voter {
			v.votes = append(v.votes[:i], v.votes[i+1:]...)
			break
		}
	}
	if len(v.votes) == ipVotes {
		v.votes = v.votes[1:]
	}
	v.votes = append(v.votes, ipVote{voter, ip})
}

// winner returns the address most votes name, if it has a majority of
// at least minIPVoters.
func (v *ipPoll) winner() (netip.Addr, bool) {
	for _, c := range v.votes {
		n := 0
		for _, o := range v.votes {
			if o.ip == c.ip {
				n++
			}
		}
		if n >= minIPVoters && 2*n > len(v.votes) {
			return c.ip, true
		}
	}
	return netip.Addr{}, false
}

// ExternalIP returns this node's address as the nodes that answered it
// see it (BEP 42's "ip" in their replies), once enough of them agree: a
// node behind NAT learns its public address so. ok is false until then.
func (p *Peer) ExternalIP() (ip netip.Addr, ok bool) { return p.extIP.winner() }
