package resolver

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/transporttest"
)

// sentQuery is a query a resolver node sent through a FakeEnv.
type sentQuery struct {
	from, to transport.Addr
	msg      *dnsx.Msg
}

// sentQueries unpacks what the node sent through env from the start-th
// message on.
func sentQueries(t *testing.T, env *transporttest.FakeEnv, start int) []sentQuery {
	t.Helper()
	var out []sentQuery
	for _, s := range env.Sent()[start:] {
		m, err := dnsx.Unpack(s.Msg.(transport.Bytes))
		require.NoError(t, err)
		out = append(out, sentQuery{from: s.From, to: s.To, msg: m})
	}
	return out
}

// testResolverSelf is the address of the resolver nodes of unit tests.
const testResolverSelf = transport.Addr("/ip4/127.0.0.1/udp/53")

func newTestPeer(t testing.TB, cfg Config) (*Peer, *transporttest.FakeEnv) {
	t.Helper()
	env := transporttest.NewFakeEnv(testResolverSelf, 1)
	if cfg.Roots == nil {
		cfg.Roots = []netip.Addr{authserver.RootAddr}
	}
	newNode, err := NewPeer(cfg)
	require.NoError(t, err)
	return newNode(env).(*Peer), env
}

// TestDefence_RandomIDsAndPorts: each query leaves from its own fresh
// port with an unpredictable ID; the insecure options show the opposite.
func TestDefence_RandomIDsAndPorts(t *testing.T) {
	n, env := newTestPeer(t, Config{})
	for _, name := range []string{"a.com", "b.com", "c.com", "d.com"} {
		n.Resolve(name, dnsx.TypeA, func(Answer, error) {})
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

	weak, wenv := newTestPeer(t, Config{Insecure: InsecureOptions{SequentialIDs: true, FixedPort: true}})
	for _, name := range []string{"a.com", "b.com"} {
		weak.Resolve(name, dnsx.TypeA, func(Answer, error) {})
	}
	wq := sentQueries(t, wenv, 0)
	require.Equal(t, transport.Addr(""), wq[0].from)
	require.Equal(t, wq[0].msg.ID+1, wq[1].msg.ID)
}

// respond answers the query q as if from its server.
func respond(t *testing.T, n *Peer, q sentQuery, build func(m *dnsx.Msg)) {
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
	n, env := newTestPeer(t, Config{NoQNameMinimisation: true})
	now := env.Now()
	n.cache.storeSet([]dnsx.RR{dnsx.MustRR("com", "a.gtld-servers.net", dnsx.TypeNS, 172800)}, rankGlue, now, false)
	n.cache.storeSet([]dnsx.RR{dnsx.MustRR("a.gtld-servers.net", authserver.TLDAddr.String(), dnsx.TypeA, 172800)}, rankGlue, now, false)
	n.Resolve("www.networkutopia.com", dnsx.TypeA, func(Answer, error) {})
	qs := sentQueries(t, env, 0)
	require.Len(t, qs, 1)
	require.Equal(t, dnsx.UDPAddr(netip.AddrPortFrom(authserver.TLDAddr, 53)), qs[0].to, "com's server is asked, not the root")
	respond(t, n, qs[0], func(m *dnsx.Msg) {
		m.Authority = []dnsx.RR{dnsx.MustRR("networkutopia.com", "dns1.networkutopia.com", dnsx.TypeNS, 172800)}
		m.Additional = []dnsx.RR{
			dnsx.MustRR("dns1.networkutopia.com", "212.212.212.1", dnsx.TypeA, 172800),
			dnsx.MustRR("www.example.org", "6.6.6.6", dnsx.TypeA, 172800), // not com's to tell
		}
	})
	require.NotNil(t, n.cache.set("dns1.networkutopia.com.", dnsx.TypeA, now), "glue in bailiwick is kept")
	require.Nil(t, n.cache.set("www.example.org.", dnsx.TypeA, now), "out of bailiwick is dropped")
	require.EqualValues(t, 1, n.Stats().OutOfZone)
}

// TestDefence_ForgedAnswersAreIgnored: answers with the wrong ID, from the
// wrong port or server, or for another question are dropped, and the
// genuine answer still counts.
func TestDefence_ForgedAnswersAreIgnored(t *testing.T) {
	n, env := newTestPeer(t, Config{CaseRandomisation: true, NoQNameMinimisation: true})
	var got []Answer
	n.Resolve("www.networkutopia.com", dnsx.TypeA, func(a Answer, err error) {
		require.NoError(t, err)
		got = append(got, a)
	})
	qs := sentQueries(t, env, 0)
	require.Len(t, qs, 1)
	q := qs[0]
	forged := func(addr func(c *sentQuery), msg func(m *dnsx.Msg)) {
		c := sentQuery{from: q.from, to: q.to, msg: q.msg}
		addr(&c)
		respond(t, n, c, func(m *dnsx.Msg) {
			m.Authoritative = true
			m.Answer = []dnsx.RR{dnsx.MustRR("www.networkutopia.com", "6.6.6.6", dnsx.TypeA, 86400)}
			msg(m)
		})
	}
	same := func(*sentQuery) {}
	forged(same, func(m *dnsx.Msg) { m.ID++ })
	forged(same, func(m *dnsx.Msg) { m.Question.Name = "www.networkutopia.com." })      // 0x20 spelling lost
	forged(same, func(m *dnsx.Msg) { m.Question.Type = dnsx.TypeAAAA })                 // another question
	forged(func(c *sentQuery) { c.from = "/ip4/127.0.0.1/udp/53" }, func(*dnsx.Msg) {}) // the wrong port
	forged(func(c *sentQuery) { c.to = "/ip4/6.6.6.6/udp/53" }, func(*dnsx.Msg) {})     // another server
	require.Empty(t, got)
	require.EqualValues(t, 5, n.Stats().Mismatched)

	respond(t, n, q, func(m *dnsx.Msg) {
		m.Authoritative = true
		m.Answer = []dnsx.RR{dnsx.MustRR("www.networkutopia.com", "212.212.71.4", dnsx.TypeA, 3600)}
	})
	require.Len(t, got, 1)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(got[0].Records))
	require.NotEqual(t, "www.networkutopia.com.", q.msg.Question.Name, "0x20 mixed the case")
}
