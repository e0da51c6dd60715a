package kademlia

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// probe is a raw node that sends hand-made requests and keeps the replies.
type probe struct {
	env     transport.Env
	replies map[uint64]*message
	seq     uint64
	onFind  func(*message) *message // answers finds, if set
}

func (p *probe) Receive(c transport.Conn, m transport.Message) {
	r, ok := m.(*message)
	switch {
	case ok && r.Kind == kindReply:
		p.replies[r.Req] = r
	case ok && r.Kind == kindPing: // answer checks, as an honest node does
		_ = p.env.Send(c.Peer, &message{Kind: kindReply, Req: r.Req, From: IDFromAddr(p.env.Self())})
	case ok && r.Kind == kindFind && p.onFind != nil:
		reply := p.onFind(r)
		reply.Req, reply.From = r.Req, IDFromAddr(p.env.Self())
		_ = p.env.Send(c.Peer, reply)
	}
}

// ask sends m to the node at to and runs the network until the reply.
func (p *probe) ask(t *testing.T, net *sim.Network, to transport.Addr, m *message) *message {
	t.Helper()
	p.seq++
	m.Req = p.seq
	if m.From == (ID{}) {
		m.From = IDFromAddr(p.env.Self())
	}
	require.NoError(t, net.Do(p.env.Self(), func(transport.Handler) { require.NoError(t, p.env.Send(to, m)) }))
	net.RunWhile(func() bool { return p.replies[m.Req] == nil && net.Elapsed() < time.Hour })
	r := p.replies[m.Req]
	require.NotNil(t, r, "no reply")
	return r
}

func newProbe(net *sim.Network) *probe {
	p := &probe{replies: make(map[uint64]*message)}
	net.AddNode(func(env transport.Env) transport.Handler { p.env = env; return p })
	return p
}

// target runs one peer with cfg and two probes.
func target(t *testing.T, cfg PeerConfig) (*sim.Network, *Peer, *probe, *probe) {
	net, err := sim.New(sim.Config{Seed: sim.Seed(t)})
	require.NoError(t, err)
	nh, err := NewPeer(cfg)
	require.NoError(t, err)
	var peer *Peer
	a := net.AddNode(func(env transport.Env) transport.Handler { h := nh(env); peer = h.(*Peer); return h })
	require.NotEmpty(t, a)
	return net, peer, newProbe(net), newProbe(net)
}

func storeMsg(key ID, token []byte, v string) *message {
	return &message{Kind: kindStore, Target: key, TTL: 3600, Token: token, Values: [][]byte{[]byte(v)}}
}

func tokenFrom(t *testing.T, net *sim.Network, p *probe, to transport.Addr) []byte {
	return p.ask(t, net, to, &message{Kind: kindFind, Target: ID{1}}).Token
}

// Write tokens are bound to the requester: a token given to one node is
// refused from another, and a token lives one to two rotations.
func TestStoreTokens(t *testing.T) {
	net, peer, honest, thief := target(t, PeerConfig{TokenRotation: 5 * time.Minute})
	addr := peer.self.Addr
	key := HashKey([]byte("k"))
	tok := tokenFrom(t, net, honest, addr)

	r := thief.ask(t, net, addr, storeMsg(key, tok, "stolen"))
	require.NotZero(t, r.Flags&flagRefused, "another node's token")
	r = thief.ask(t, net, addr, storeMsg(key, []byte("never issued"), "forged"))
	require.NotZero(t, r.Flags&flagRefused, "a token never issued")
	r = thief.ask(t, net, addr, storeMsg(key, nil, "none"))
	require.NotZero(t, r.Flags&flagRefused, "no token")
	require.EqualValues(t, 3, peer.Stats().TokensRefused)

	r = honest.ask(t, net, addr, storeMsg(key, tok, "mine"))
	require.Zero(t, r.Flags&flagRefused, "the honest node's own token")
	net.Run(6 * time.Minute) // one rotation: the previous secret still counts
	r = honest.ask(t, net, addr, storeMsg(key, tok, "mine too"))
	require.Zero(t, r.Flags&flagRefused, "a token of the previous rotation")
	net.Run(5 * time.Minute) // two rotations: expired
	r = honest.ask(t, net, addr, storeMsg(key, tok, "late"))
	require.NotZero(t, r.Flags&flagRefused, "a token two rotations old")
	require.Equal(t, [][]byte{[]byte("mine"), []byte("mine too")}, peer.Values(key))
}

// Each storage limit refuses what exceeds it, counts it, and the node
// keeps serving honest writers.
func TestStoreLimits(t *testing.T) {
	cfg := PeerConfig{MaxValueSize: 16, MaxItemsPerSender: 3, MaxValuesPerKey: 4, MaxItems: 6}
	net, peer, flooder, honest := target(t, cfg)
	addr := peer.self.Addr
	tf := tokenFrom(t, net, flooder, addr)
	th := tokenFrom(t, net, honest, addr)
	refused := func(p *probe, tok []byte, key, v string) bool {
		return p.ask(t, net, addr, storeMsg(HashKey([]byte(key)), tok, v)).Flags&flagRefused != 0
	}
	require.True(t, refused(flooder, tf, "k", string(bytes.Repeat([]byte("x"), 17))), "value over MaxValueSize")
	require.True(t, refused(flooder, tf, "k", ""), "empty value")
	for i := range 3 {
		require.False(t, refused(flooder, tf, fmt.Sprint("f", i), "v"))
	}
	require.True(t, refused(flooder, tf, "f9", "v"), "beyond MaxItemsPerSender")
	require.False(t, refused(flooder, tf, "f0", "v"), "storing again what is held only extends it")
	for i := range 3 {
		require.False(t, refused(honest, th, "shared", fmt.Sprint("h", i)), "an honest writer is still served")
	}
	require.True(t, refused(honest, th, "shared2", "x"), "beyond MaxItems")

	st := peer.Stats()
	require.EqualValues(t, 2, st.ValuesRefused)
	require.EqualValues(t, 1, st.SenderRefused)
	require.EqualValues(t, 1, st.FullRefused)
	require.Equal(t, 6, st.Items)

	// Values expire after ValueTTL at the latest, whatever the store asked.
	net.Run(DefaultValueTTL + 2*time.Minute)
	require.Zero(t, peer.Stats().Items)
}

func TestStoreValuesPerKey(t *testing.T) {
	net, peer, a, _ := target(t, PeerConfig{MaxValuesPerKey: 2})
	tok := tokenFrom(t, net, a, peer.self.Addr)
	key := HashKey([]byte("k"))
	for i, want := range []bool{false, false, true} {
		r := a.ask(t, net, peer.self.Addr, storeMsg(key, tok, fmt.Sprint(i)))
		require.Equal(t, want, r.Flags&flagRefused != 0, i)
	}
	require.EqualValues(t, 1, peer.Stats().KeyRefused)
}

// A node that writes to us is not taken at its word: it enters the
// routing table only after it answered a ping at the address it claims.
func TestRequesterCheckedBeforeTableEntry(t *testing.T) {
	net, peer, liar, _ := target(t, PeerConfig{})
	// The liar claims to listen at a node that does not exist.
	liar.ask(t, net, peer.self.Addr, &message{Kind: kindPing, From: ID{0xaa}, Listen: "/sim/99"})
	net.Run(time.Minute)
	require.Zero(t, peer.table.len())
	// Claiming its own address, it answers the check and is let in.
	liar.ask(t, net, peer.self.Addr, &message{Kind: kindPing, Listen: liar.env.Self()})
	net.Run(time.Minute)
	require.Equal(t, []Contact{{ID: IDFromAddr(liar.env.Self()), Addr: liar.env.Self()}}, peer.Contacts())
}

// A flood of requests from one address is cut at MaxRequestRate a
// second, and another node is still answered meanwhile.
func TestRequestFloodFromOneHost(t *testing.T) {
	net, peer, flooder, honest := target(t, PeerConfig{MaxRequestRate: 10})
	addr := peer.self.Addr
	var reqs []uint64
	require.NoError(t, net.Do(flooder.env.Self(), func(transport.Handler) {
		for range 100 {
			flooder.seq++
			reqs = append(reqs, flooder.seq)
			_ = flooder.env.Send(addr, &message{Kind: kindFind, Req: flooder.seq, From: ID{1}})
		}
	}))
	r := honest.ask(t, net, addr, &message{Kind: kindFind, Target: ID{2}})
	require.NotNil(t, r, "the honest node is served during the flood")
	net.Run(300 * time.Millisecond) // the flood's answers arrive too
	answered := 0
	for _, id := range reqs {
		if flooder.replies[id] != nil {
			answered++
		}
	}
	require.Equal(t, 10, answered)
	require.EqualValues(t, 90, peer.Stats().RequestsDropped)
	net.Run(2 * time.Second)
	require.NotNil(t, flooder.ask(t, net, addr, &message{Kind: kindPing}), "served again the next second")
}

// A reply that names one address under many IDs close to the target
// costs the lookup one request to that address, not one per ID.
func TestLookupQueriesAnAddressOnce(t *testing.T) {
	net, peer, liar, _ := target(t, PeerConfig{K: 8})
	// The peer knows the liar (which answers pings, so it is a contact).
	liar.ask(t, net, peer.self.Addr, &message{Kind: kindPing, Listen: liar.env.Self()})
	net.Run(time.Minute)
	require.Len(t, peer.Contacts(), 1)
	target := ID{0x42}
	var fakes []Contact
	for i := range 8 {
		id := target
		id[IDLen-1] = byte(i + 1)
		fakes = append(fakes, Contact{ID: id, Addr: "/sim/77"})
	}
	// The liar answers finds with the fakes.
	liar.onFind = func(req *message) *message { return &message{Kind: kindReply, Nodes: fakes} }
	var res LookupResult
	done := false
	require.NoError(t, net.Do(peer.self.Addr, func(transport.Handler) {
		peer.LookupID(target, func(r LookupResult, err error) { res, done = r, true })
	}))
	net.RunWhile(func() bool { return !done })
	require.Equal(t, 2, res.Queries, "the liar, then /sim/77 once")
}
