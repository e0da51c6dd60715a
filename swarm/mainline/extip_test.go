package mainline

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestIPPoll: an address is ours once minIPVoters distinct hosts and a
// majority name it; a host votes once however often it answers, and old
// votes age out.
func TestIPPoll(t *testing.T) {
	a, b := netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("198.51.100.1")
	host := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}) }
	for _, tt := range []struct {
		name  string
		votes []ipVote
		want  netip.Addr
		ok    bool
	}{
		{"none", nil, netip.Addr{}, false},
		{"two hosts are not enough", []ipVote{{host(1), a}, {host(2), a}}, netip.Addr{}, false},
		{"three agree", []ipVote{{host(1), a}, {host(2), a}, {host(3), a}}, a, true},
		{"one host many times", []ipVote{{host(1), a}, {host(1), a}, {host(1), a}, {host(2), b}}, netip.Addr{}, false},
		{"no majority", []ipVote{{host(1), a}, {host(2), a}, {host(3), a}, {host(4), b}, {host(5), b}, {host(6), b}}, netip.Addr{}, false},
		{"a host changes its vote", []ipVote{{host(1), b}, {host(2), a}, {host(3), a}, {host(1), a}}, a, true},
		{"invalid votes are ignored", []ipVote{{netip.Addr{}, b}, {host(1), netip.Addr{}}, {host(2), a}, {host(3), a}, {host(4), a}}, a, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var p ipPoll
			for _, v := range tt.votes {
				p.vote(v.voter, v.ip)
			}
			got, ok := p.winner()
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
	var p ipPoll
	for i := range ipVotes {
		p.vote(host(i), b)
	}
	for i := range ipVotes {
		p.vote(host(100+i), a)
	}
	require.Len(t, p.votes, ipVotes, "bounded")
	got, ok := p.winner()
	require.True(t, ok)
	require.Equal(t, a, got, "the old votes aged out")
}

// TestExternalIPFromReplies: a node's replies carry the "ip" it saw the
// asker at; the asker counts them (on loopback all voters are one host,
// so it learns nothing, as BEP 42's one-vote-per-IP rule wants).
func TestExternalIPFromReplies(t *testing.T) {
	ctx := t.Context()
	nodes := newNodes(t, 3, loopback())
	for _, nd := range nodes[1:] {
		require.NoError(t, nd.Bootstrap(ctx, nodes[0].Addr()))
	}
	var votes []ipVote
	_, err := do(ctx, nodes[2], func(reply func(struct{}, error)) {
		votes = append(votes, nodes[2].peer.extIP.votes...)
		reply(struct{}{}, nil)
	})
	require.NoError(t, err)
	require.Len(t, votes, 1, "one host, one vote")
	require.Equal(t, netip.MustParseAddr("127.0.0.1"), votes[0].ip)
	_, ok, err := nodes[2].ExternalIP(ctx)
	require.NoError(t, err)
	require.False(t, ok)
}
