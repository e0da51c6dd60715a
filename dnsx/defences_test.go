package dnsx

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/transporttest"
)

// sentQuery is a query a resolver node sent through a FakeEnv.
type sentQuery struct {
	from, to transport.Addr
	msg      *Msg
}

// sentQueries unpacks what the node sent through env from the start-th
// message on.
func sentQueries(t *testing.T, env *transporttest.FakeEnv, start int) []sentQuery {
	t.Helper()
	var out []sentQuery
	for _, s := range env.Sent()[start:] {
		m, err := Unpack(s.Msg.(transport.Bytes))
		require.NoError(t, err)
		out = append(out, sentQuery{from: s.From, to: s.To, msg: m})
	}
	return out
}

// testResolverSelf is the address of the resolver nodes of unit tests.
const testResolverSelf = transport.Addr("/ip4/127.0.0.1/udp/53")

func newTestResolverNode(t testing.TB, cfg ResolverConfig) (*ResolverNode, *transporttest.FakeEnv) {
	t.Helper()
	env := transporttest.NewFakeEnv(testResolverSelf, 1)
	if cfg.Roots == nil {
		cfg.Roots = []netip.Addr{RootAddr}
	}
	newNode, err := NewResolverNode(cfg)
	require.NoError(t, err)
	return newNode(env).(*ResolverNode), env
}

// TestDefence_RandomIDsAndPorts: each query leaves from its own fresh
// port with an unpredictable ID; the insecure options show the opposite.
func TestDefence_RandomIDsAndPorts(t *testing.T) {
	n, env := newTestResolverNode(t, ResolverConfig{})
	for _, name := range []string{"a.com", "b.com", "c.com", "d.com"} {
		n.Resolve(name, TypeA, func(Answer, error) {})
	}
	qs := sentQueries(t, env, 0)
	require.Len(t, qs, 4)
	ports := map[transport.Addr]bool{}
	for i, q := range qs {
		require.NotEmpty(t, q.from, "a fresh endpoint, not the node's own address")
		ports[q.from] = true
		if i > 0 {
			require.NotEqual(t, qs[i-1].msg.ID+1, q.msg.ID, "IDs are not sequential")
		}
	}
	require.Len(t, ports, 4)

	weak, wenv := newTestResolverNode(t, ResolverConfig{Insecure: InsecureOptions{SequentialIDs: true, FixedPort: true}})
	for _, name := range []string{"a.com", "b.com"} {
		weak.Resolve(name, TypeA, func(Answer, error) {})
	}
	wq := sentQueries(t, wenv, 0)
	require.Equal(t, transport.Addr(""), wq[0].from)
	require.Equal(t, wq[0].msg.ID+1, wq[1].msg.ID)
}

// respond answers the query q as if from its server.
func respond(t *testing.T, n *ResolverNode, q sentQuery, build func(m *Msg)) {
	t.Helper()
	m := q.msg.Reply()
	build(m)
	b, err := m.Pack()
	require.NoError(t, err)
	n.Receive(transport.Conn{Peer: q.to, Local: q.from}, transport.Bytes(b))
}

// TestDefence_Bailiwick: a com server may hand out com's delegations and
// their glue, not records of other zones.
func TestDefence_Bailiwick(t *testing.T) {
	n, env := newTestResolverNode(t, ResolverConfig{NoQNameMinimisation: true})
	now := env.Now()
	n.cache.storeSet([]RR{MustRR("com", "a.gtld-servers.net", TypeNS, 172800)}, rankGlue, now, false)
	n.cache.storeSet([]RR{MustRR("a.gtld-servers.net", TLDAddr.String(), TypeA, 172800)}, rankGlue, now, false)
	n.Resolve("www.networkutopia.com", TypeA, func(Answer, error) {})
	qs := sentQueries(t, env, 0)
	require.Len(t, qs, 1)
	require.Equal(t, UDPAddr(netip.AddrPortFrom(TLDAddr, 53)), qs[0].to, "com's server is asked, not the root")
	respond(t, n, qs[0], func(m *Msg) {
		m.Authority = []RR{MustRR("networkutopia.com", "dns1.networkutopia.com", TypeNS, 172800)}
		m.Additional = []RR{
			MustRR("dns1.networkutopia.com", "212.212.212.1", TypeA, 172800),
			MustRR("www.example.org", "6.6.6.6", TypeA, 172800), // not com's to tell
		}
	})
	require.NotNil(t, n.cache.set("dns1.networkutopia.com.", TypeA, now), "glue in bailiwick is kept")
	require.Nil(t, n.cache.set("www.example.org.", TypeA, now), "out of bailiwick is dropped")
	require.EqualValues(t, 1, n.Stats().OutOfZone)
}

// TestDefence_ForgedAnswersAreIgnored: answers with the wrong ID, from the
// wrong port or server, or for another question are dropped, and the
// genuine answer still counts.
func TestDefence_ForgedAnswersAreIgnored(t *testing.T) {
	n, env := newTestResolverNode(t, ResolverConfig{CaseRandomisation: true, NoQNameMinimisation: true})
	var got []Answer
	n.Resolve("www.networkutopia.com", TypeA, func(a Answer, err error) {
		require.NoError(t, err)
		got = append(got, a)
	})
	qs := sentQueries(t, env, 0)
	require.Len(t, qs, 1)
	q := qs[0]
	forged := func(addr func(c *sentQuery), msg func(m *Msg)) {
		c := sentQuery{from: q.from, to: q.to, msg: q.msg}
		addr(&c)
		respond(t, n, c, func(m *Msg) {
			m.Authoritative = true
			m.Answer = []RR{MustRR("www.networkutopia.com", "6.6.6.6", TypeA, 86400)}
			msg(m)
		})
	}
	same := func(*sentQuery) {}
	forged(same, func(m *Msg) { m.ID++ })
	forged(same, func(m *Msg) { m.Question.Name = "www.networkutopia.com." })      // 0x20 spelling lost
	forged(same, func(m *Msg) { m.Question.Type = TypeAAAA })                      // another question
	forged(func(c *sentQuery) { c.from = "/ip4/127.0.0.1/udp/53" }, func(*Msg) {}) // the wrong port
	forged(func(c *sentQuery) { c.to = "/ip4/6.6.6.6/udp/53" }, func(*Msg) {})     // another server
	require.Empty(t, got)
	require.EqualValues(t, 5, n.Stats().Mismatched)

	respond(t, n, q, func(m *Msg) {
		m.Authoritative = true
		m.Answer = []RR{MustRR("www.networkutopia.com", "212.212.71.4", TypeA, 3600)}
	})
	require.Len(t, got, 1)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, values(got[0].Records))
	require.NotEqual(t, "www.networkutopia.com.", q.msg.Question.Name, "0x20 mixed the case")
}
