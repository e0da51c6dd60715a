package sim_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// durable is a node whose count survives a Recover (as on a disk), not a
// Restart.
type durable struct {
	env   transport.Env
	count int
}

func (d *durable) Receive(transport.Conn, transport.Message) { d.count++ }
func (d *durable) Persist() any                              { return d.count }

func newDurable(env transport.Env) transport.Handler {
	d := &durable{env: env}
	if c, ok := sim.Persisted(env).(int); ok {
		d.count = c
	}
	return d
}

func TestScheduleAppliesFaultsInOrder(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a, b, c := net.AddNode(newDurable), net.AddNode(newDurable), net.AddNode(newDurable)
	ping := func(from, to transport.Addr) {
		_ = net.Do(from, func(h transport.Handler) { _ = h.(*durable).env.Send(to, transport.Bytes("x")) })
	}
	count := func(x transport.Addr) int { return net.Handler(x).(*durable).count }
	s := sim.Schedule{
		{At: time.Second, Kind: sim.FaultPartition, Groups: [][]transport.Addr{{a}}},
		{At: 2 * time.Second, Kind: sim.FaultHeal},
		{At: 3 * time.Second, Kind: sim.FaultCrash, Nodes: []transport.Addr{b, c}},
		{At: 4 * time.Second, Kind: sim.FaultRecover, Nodes: []transport.Addr{b}},
		{At: 4 * time.Second, Kind: sim.FaultRestart, Nodes: []transport.Addr{c}},
		{At: 5 * time.Second, Kind: sim.FaultLink, Loss: 1},
		{At: 6 * time.Second, Kind: sim.FaultLink},
	}
	var seen []sim.FaultKind
	_, err := net.Apply(s, func(f sim.Fault) { seen = append(seen, f.Kind) })
	require.NoError(t, err)

	step := func(d time.Duration) { net.Run(d) }
	ping(a, b)
	step(1500 * ms) // partitioned at 1s
	ping(a, b)      // dropped
	step(time.Second)
	ping(a, b) // healed
	ping(a, c)
	step(300 * ms)
	require.Equal(t, 2, count(b))
	require.Equal(t, 1, count(c))
	step(1700 * ms) // 4.5s: b recovered, c restarted
	require.Equal(t, 2, count(b), "recover keeps what the node persisted")
	require.Equal(t, 0, count(c), "restart starts from nothing")
	ping(a, b)
	step(time.Second) // 5.5s: every link loses everything
	require.Equal(t, 3, count(b))
	ping(a, b)
	step(time.Second)
	require.Equal(t, 3, count(b))
	ping(a, b)
	step(time.Second)
	require.Equal(t, 4, count(b), "loss back to 0")
	require.Equal(t, []sim.FaultKind{sim.FaultPartition, sim.FaultHeal, sim.FaultCrash, sim.FaultRecover, sim.FaultRestart, sim.FaultLink, sim.FaultLink}, seen)
	require.Contains(t, s.String(), "3s crash /sim/1 /sim/2\n")
	require.Equal(t, 2, s.Until(3*time.Second).Count(sim.FaultPartition)+s.Until(3*time.Second).Count(sim.FaultHeal))
}

func TestScheduleRejectsBadFaults(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a := addPlain(net)
	for _, s := range []sim.Schedule{
		{{At: -1, Kind: sim.FaultHeal}},
		{{Kind: 0}},
		{{Kind: sim.FaultCrash}},
		{{Kind: sim.FaultPartition}},
		{{Kind: sim.FaultLink, Nodes: []transport.Addr{a}}},
		{{Kind: sim.FaultLink, Loss: 2}},
		{{Kind: sim.FaultLink, Link: sim.LinkFaults{Duplicate: -1}}},
		{{Kind: sim.FaultLink, Link: sim.LinkFaults{Reorder: -1}}},
	} {
		_, err := net.Apply(s, nil)
		require.ErrorIs(t, err, sim.ErrBadConfig, s.String())
	}
	_, err := net.Apply(sim.Schedule{{Kind: sim.FaultCrash, Nodes: []transport.Addr{"/sim/9"}}}, nil)
	require.ErrorIs(t, err, sim.ErrNoSuchNode)
	stop, err := net.Apply(sim.Schedule{{At: time.Second, Kind: sim.FaultCrash, Nodes: []transport.Addr{a}}}, nil)
	require.NoError(t, err)
	stop()
	net.Run(2 * time.Second)
	require.True(t, net.IsUp(a), "stopped schedule")
}

func TestLinkFaultsDuplicateAndReorder(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a, b := addPlain(net), addPlain(net)
	require.NoError(t, net.SetLinkFaults(a, b, sim.LinkFaults{Duplicate: 0.5, Reorder: 50 * ms}))
	const n = 200
	for i := range n {
		require.NoError(t, send(t, net, a, b, transport.Bytes{byte(i)}))
		net.Run(ms)
	}
	net.Run(time.Second)
	got := plainAt(t, net, b).got
	st := net.Stats()
	require.InDelta(t, n/2, st.Duplicated, n/5)
	require.Equal(t, n+int(st.Duplicated), len(got))
	require.Equal(t, st.Sent+st.Duplicated, st.Delivered+st.Dropped)
	inversions := 0
	for i := 1; i < len(got); i++ {
		if got[i].msg.(transport.Bytes)[0] < got[i-1].msg.(transport.Bytes)[0] {
			inversions++
		}
		require.GreaterOrEqual(t, got[i].at, got[i-1].at)
	}
	require.Greater(t, inversions, n/4, "sent 1ms apart, delayed up to 50ms: reordered")

	require.NoError(t, net.SetFaults(sim.LinkFaults{Duplicate: 1}))
	c := addPlain(net)
	require.NoError(t, send(t, net, a, c, transport.Bytes("twice")))
	net.Run(time.Second)
	require.Equal(t, []string{"twice", "twice"}, plainAt(t, net, c).texts())
}

func TestGeneratedSchedules(t *testing.T) {
	nodes := make([]transport.Addr, 50)
	for i := range nodes {
		nodes[i] = sim.NodeAddr(i)
	}
	plan := sim.CrashRestartPlan{Fraction: 0.1, Period: time.Minute, Down: 30 * time.Second, Span: 10 * time.Minute}
	s := sim.CrashRestarts(rand.New(rand.NewPCG(1, 2)), nodes, plan)
	require.Equal(t, s, sim.CrashRestarts(rand.New(rand.NewPCG(1, 2)), nodes, plan), "same draws, same schedule")
	require.NoError(t, s.Validate())
	require.Equal(t, 50, s.Count(sim.FaultCrash), "10% of 50 nodes a minute for 10 minutes")
	require.Equal(t, 50, s.Count(sim.FaultRestart))
	down := map[transport.Addr]bool{}
	for _, f := range s {
		a := f.Nodes[0]
		switch f.Kind {
		case sim.FaultCrash:
			require.False(t, down[a], "%s crashed twice in a row", a)
			down[a] = true
		case sim.FaultRestart:
			require.True(t, down[a])
			down[a] = false
		}
	}
	plan.KeepState = true
	require.Equal(t, 50, sim.CrashRestarts(rand.New(rand.NewPCG(1, 2)), nodes, plan).Count(sim.FaultRecover))

	p := sim.Partitions(rand.New(rand.NewPCG(3, 4)), nodes, sim.PartitionPlan{Every: 5 * time.Minute, Lasting: time.Minute, Span: 30 * time.Minute})
	require.Equal(t, 5, p.Count(sim.FaultPartition))
	require.Equal(t, 5, p.Count(sim.FaultHeal))
	require.Len(t, p[0].Groups[0], 25)
	all := sim.Merge(s, p)
	require.Len(t, all, len(s)+len(p))
	for i := 1; i < len(all); i++ {
		require.LessOrEqual(t, all[i-1].At, all[i].At)
	}
	require.Nil(t, sim.CrashRestarts(nil, nil, plan))
	require.Nil(t, sim.Partitions(nil, nodes[:1], sim.PartitionPlan{Every: time.Second}))
}
