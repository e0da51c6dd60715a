package transport

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeEnv is an Env with a manual clock: timers fire only when the test
// advances time, and sends are recorded.
type fakeEnv struct {
	now     time.Time
	rnd     *rand.Rand
	timers  []*fakeTimer
	seq     uint64
	sent    []sentMsg
	sendErr error // returned by Send when set
}

type fakeTimer struct {
	when    time.Time
	seq     uint64
	f       func()
	stopped bool
}

type sentMsg struct {
	from, to Addr
	m        Message
	at       time.Time
}

var _ Env = (*fakeEnv)(nil)

func newFakeEnv() *fakeEnv {
	return &fakeEnv{now: time.Unix(1e9, 0), rnd: rand.New(rand.NewPCG(1, 2))}
}

func (e *fakeEnv) Self() Addr           { return "/fake/self" }
func (e *fakeEnv) Now() time.Time       { return e.now }
func (e *fakeEnv) Rand() *rand.Rand     { return e.rnd }
func (e *fakeEnv) Logger() *slog.Logger { return slog.New(slog.DiscardHandler) }
func (e *fakeEnv) Send(to Addr, m Message) error {
	return e.SendFrom("", to, m)
}
func (e *fakeEnv) SendFrom(from, to Addr, m Message) error {
	if e.sendErr != nil {
		return e.sendErr
	}
	e.sent = append(e.sent, sentMsg{from: from, to: to, m: m, at: e.now})
	return nil
}
func (e *fakeEnv) Disconnect(Addr) {}
func (e *fakeEnv) AfterFunc(d time.Duration, f func()) func() bool {
	e.seq++
	t := &fakeTimer{when: e.now.Add(d), seq: e.seq, f: f}
	e.timers = append(e.timers, t)
	return func() bool {
		if t.stopped {
			return false
		}
		t.stopped = true
		return true
	}
}
func (e *fakeEnv) Offload(_ time.Duration, work, done func()) { work(); e.AfterFunc(0, done) }
func (e *fakeEnv) Bind() (Addr, error)                        { return "", errors.New("fake: no Bind") }
func (e *fakeEnv) Unbind(Addr) error                          { return errors.New("fake: no Bind") }

// advance moves the clock forward by d, firing due timers in order.
func (e *fakeEnv) advance(d time.Duration) {
	end := e.now.Add(d)
	for {
		i := slices.IndexFunc(e.timers, func(t *fakeTimer) bool { return !t.when.After(end) })
		if i < 0 {
			break
		}
		for j, t := range e.timers { // earliest due, then first scheduled
			if t.when.Before(e.timers[i].when) || (t.when.Equal(e.timers[i].when) && t.seq < e.timers[i].seq) {
				i = j
			}
		}
		t := e.timers[i]
		e.timers = slices.Delete(e.timers, i, i+1)
		if t.stopped {
			continue
		}
		t.stopped = true
		e.now = t.when
		t.f()
	}
	e.now = end
}

// req is the request message of these tests.
type req struct{ id uint64 }

func (req) Size() int { return 8 }

// result records what a call's callback got.
type result struct {
	calls int
	reply Message
	err   error
	at    time.Time
}

func (r *result) callback(env *fakeEnv) func(Message, error) {
	return func(m Message, err error) { r.calls++; r.reply, r.err, r.at = m, err, env.now }
}

const peerA, peerB = Addr("/fake/a"), Addr("/fake/b")

func newCallsForTest(t *testing.T, cfg CallsConfig) (*fakeEnv, *Calls) {
	t.Helper()
	env := newFakeEnv()
	return env, NewCalls(env, cfg)
}

func build(id uint64) Message { return req{id} }

func TestCallsReply(t *testing.T) {
	env, calls := newCallsForTest(t, CallsConfig{})
	var r result
	id := calls.Call(peerA, build, r.callback(env))
	require.NotZero(t, id)
	require.Len(t, env.sent, 1)
	require.Equal(t, req{id}, env.sent[0].m)
	require.Equal(t, peerA, env.sent[0].to)
	require.Equal(t, 1, calls.Pending())

	env.advance(80 * time.Millisecond)
	require.False(t, calls.Reply(id, peerB, Bytes("spoofed")), "a reply from another address is refused")
	require.False(t, calls.Reply(id+1, peerA, Bytes("wrong id")))
	require.Zero(t, r.calls)
	require.True(t, calls.Reply(id, peerA, Bytes("pong")))
	require.Equal(t, result{calls: 1, reply: Bytes("pong"), at: env.now}, r)
	require.False(t, calls.Reply(id, peerA, Bytes("again")), "a duplicate reply is ignored")

	rtt, ok := calls.RTT(peerA)
	require.True(t, ok)
	require.Equal(t, 80*time.Millisecond, rtt)
	env.advance(time.Minute)
	require.Equal(t, 1, r.calls, "the timer was stopped")
	require.Len(t, env.sent, 1, "no retry after a reply")
	require.Zero(t, calls.Pending())
}

func TestCallsTimeoutsAndRetries(t *testing.T) {
	tests := []struct {
		name      string
		cfg       CallsConfig
		replyAt   time.Duration // 0: never
		wantSends []time.Duration
		wantErrAt time.Duration // 0: the call succeeds
		wantRTT   bool
	}{
		{
			name:      "no reply: three attempts with doubling timeouts",
			cfg:       CallsConfig{},
			wantSends: []time.Duration{0, time.Second, 3 * time.Second},
			wantErrAt: 7 * time.Second,
		},
		{
			name:      "no retries",
			cfg:       CallsConfig{Retries: -1, Timeout: 500 * time.Millisecond},
			wantSends: []time.Duration{0},
			wantErrAt: 500 * time.Millisecond,
		},
		{
			name:      "back-off stops at MaxTimeout",
			cfg:       CallsConfig{Retries: 3, MaxTimeout: 3 * time.Second},
			wantSends: []time.Duration{0, time.Second, 3 * time.Second, 6 * time.Second},
			wantErrAt: 9 * time.Second,
		},
		{
			name:      "reply to the second attempt: success, but no RTT sample (Karn)",
			cfg:       CallsConfig{},
			replyAt:   1500 * time.Millisecond,
			wantSends: []time.Duration{0, time.Second},
		},
		{
			name:      "reply to the first attempt measures the round trip",
			cfg:       CallsConfig{},
			replyAt:   300 * time.Millisecond,
			wantSends: []time.Duration{0},
			wantRTT:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hook []Addr
			tt.cfg.Unreachable = func(peer Addr, err error) {
				require.ErrorIs(t, err, ErrTimeout)
				hook = append(hook, peer)
			}
			env, calls := newCallsForTest(t, tt.cfg)
			start := env.now
			var r result
			id := calls.Call(peerA, build, r.callback(env))
			if tt.replyAt > 0 {
				env.advance(tt.replyAt)
				require.True(t, calls.Reply(id, peerA, Bytes("ok")))
			}
			env.advance(time.Minute)

			var sends []time.Duration
			for _, s := range env.sent {
				require.Equal(t, req{id}, s.m, "every attempt carries the same ID")
				sends = append(sends, s.at.Sub(start))
			}
			require.Equal(t, tt.wantSends, sends)
			require.Equal(t, 1, r.calls)
			if tt.wantErrAt > 0 {
				require.ErrorIs(t, r.err, ErrTimeout)
				require.Equal(t, tt.wantErrAt, r.at.Sub(start))
				require.Equal(t, []Addr{peerA}, hook)
				require.False(t, calls.Reply(id, peerA, Bytes("late")), "a late reply is ignored")
				require.Equal(t, 1, r.calls)
			} else {
				require.NoError(t, r.err)
				require.Empty(t, hook)
			}
			_, measured := calls.RTT(peerA)
			require.Equal(t, tt.wantRTT, measured)
		})
	}
}

func TestCallsAdaptiveTimeout(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name    string
		cfg     CallsConfig
		samples []time.Duration
		want    time.Duration
	}{
		{"no sample: the configured timeout", CallsConfig{Timeout: 700 * ms}, nil, 700 * ms},
		// RFC 6298 2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR.
		{"first sample", CallsConfig{MinTimeout: ms}, []time.Duration{100 * ms}, 300 * ms},
		// 2.3: RTTVAR = 3/4·50 + 1/4·|100-100| = 37.5; SRTT = 100.
		{"steady samples shrink the variance", CallsConfig{MinTimeout: ms}, []time.Duration{100 * ms, 100 * ms}, 250 * ms},
		// RTTVAR = 3/4·50 + 1/4·|100-250| = 75; SRTT = 7/8·100 + 1/8·250 = 118.75.
		{"a slow sample grows it", CallsConfig{MinTimeout: ms}, []time.Duration{100 * ms, 250 * ms}, 418750 * time.Microsecond},
		{"clamped to MinTimeout", CallsConfig{}, []time.Duration{10 * ms}, DefaultCallMinTimeout},
		{"clamped to MaxTimeout", CallsConfig{Timeout: 8 * time.Second, MaxTimeout: 9 * time.Second}, []time.Duration{5 * time.Second}, 9 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, calls := newCallsForTest(t, tt.cfg)
			for _, rtt := range tt.samples {
				var r result
				id := calls.Call(peerA, build, r.callback(env))
				env.advance(rtt)
				require.True(t, calls.Reply(id, peerA, Bytes("ok")))
			}
			require.Equal(t, tt.want, calls.Timeout(peerA))
			require.Equal(t, calls.Timeout(peerB), tt.cfg.withDefaults().Timeout, "other peers keep the default")
		})
	}
	t.Run("the next call uses the measured timeout", func(t *testing.T) {
		env, calls := newCallsForTest(t, CallsConfig{MinTimeout: ms, Retries: -1})
		var r result
		id := calls.Call(peerA, build, r.callback(env))
		env.advance(40 * ms)
		calls.Reply(id, peerA, Bytes("ok"))
		start := env.now
		calls.Call(peerA, build, r.callback(env))
		env.advance(time.Minute)
		require.ErrorIs(t, r.err, ErrTimeout)
		require.Equal(t, 120*ms, r.at.Sub(start))
	})
	t.Run("MaxPeers forgets the least recently measured", func(t *testing.T) {
		env, calls := newCallsForTest(t, CallsConfig{MaxPeers: 2})
		for _, p := range []Addr{peerA, peerB, "/fake/c"} {
			var r result
			id := calls.Call(p, build, r.callback(env))
			env.advance(10 * ms)
			calls.Reply(id, p, Bytes("ok"))
		}
		_, a := calls.RTT(peerA)
		_, b := calls.RTT(peerB)
		require.False(t, a)
		require.True(t, b)
	})
}

func TestCallsPeerUnreachable(t *testing.T) {
	env, calls := newCallsForTest(t, CallsConfig{})
	var order []string
	for i, p := range []Addr{peerA, peerB, peerA, peerA} {
		calls.Call(p, build, func(m Message, err error) {
			if p == peerA {
				require.ErrorIs(t, err, ErrUnreachable)
				require.ErrorIs(t, err, errRefused)
			}
			order = append(order, fmt.Sprint(i))
		})
	}
	require.Equal(t, 3, calls.PeerUnreachable(peerA, errRefused))
	require.Equal(t, []string{"0", "2", "3"}, order, "failed at once, in call order")
	require.Equal(t, 1, calls.Pending())
	env.advance(time.Minute)
	require.Equal(t, []string{"0", "2", "3", "1"}, order, "the other peer's call times out on its own")
	require.Zero(t, calls.PeerUnreachable(peerA, nil))
}

var errRefused = errors.New("connection refused")

func TestCallsSendErrors(t *testing.T) {
	t.Run("a refused send fails the call after Call returns", func(t *testing.T) {
		env, calls := newCallsForTest(t, CallsConfig{})
		env.sendErr = ErrBadAddr
		var r result
		calls.Call("nonsense", build, r.callback(env))
		require.Zero(t, r.calls, "not from inside Call")
		env.advance(0)
		require.Equal(t, 1, r.calls)
		require.ErrorIs(t, r.err, ErrBadAddr)
		require.Zero(t, calls.Pending())
	})
	t.Run("backpressure counts as a lost attempt", func(t *testing.T) {
		env, calls := newCallsForTest(t, CallsConfig{})
		env.sendErr = ErrBackpressure
		var r result
		id := calls.Call(peerA, build, r.callback(env))
		env.sendErr = nil
		env.advance(time.Second)
		require.Len(t, env.sent, 1, "the retry went out")
		require.True(t, calls.Reply(id, peerA, Bytes("ok")))
		require.NoError(t, r.err)
	})
}

func TestCallsIDs(t *testing.T) {
	env, calls := newCallsForTest(t, CallsConfig{IDBits: 8})
	seen := map[uint64]bool{}
	var r result
	for range 255 {
		id := calls.Call(peerA, build, r.callback(env))
		require.NotZero(t, id)
		require.Less(t, id, uint64(256))
		require.False(t, seen[id], "IDs are unique among pending calls")
		seen[id] = true
	}
	require.Zero(t, calls.Call(peerA, build, r.callback(env)), "no ID left")
	env.advance(0)
	require.ErrorIs(t, r.err, ErrBackpressure)

	for id := range seen {
		require.True(t, calls.Cancel(id))
		require.False(t, calls.Cancel(id))
	}
	require.Zero(t, calls.Pending())
	env.advance(time.Minute)
	require.Equal(t, 1, r.calls, "cancelled calls never call back")
}

func TestCallsFrom(t *testing.T) {
	env, calls := newCallsForTest(t, CallsConfig{})
	var r result
	id := calls.CallFrom("/fake/ep", peerA, build, r.callback(env))
	env.advance(time.Second)
	require.Len(t, env.sent, 2)
	for _, s := range env.sent {
		require.Equal(t, Addr("/fake/ep"), s.from, "every attempt leaves from the endpoint")
	}
	require.True(t, calls.Reply(id, peerA, Bytes("ok")))
}

func TestCallsConfigValidate(t *testing.T) {
	tests := []struct {
		cfg   CallsConfig
		field string
	}{
		{CallsConfig{}, ""},
		{CallsConfig{IDBits: 16, Retries: -1}, ""},
		{CallsConfig{Timeout: -1}, "Timeout"},
		{CallsConfig{MinTimeout: -1}, "MinTimeout"},
		{CallsConfig{MaxTimeout: -1}, "MaxTimeout"},
		{CallsConfig{MinTimeout: time.Minute}, "MinTimeout"},
		{CallsConfig{IDBits: 4}, "IDBits"},
		{CallsConfig{IDBits: 65}, "IDBits"},
		{CallsConfig{MaxPeers: -1}, "MaxPeers"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if tt.field == "" {
			require.NoError(t, err)
			continue
		}
		require.ErrorIs(t, err, ErrBadConfig)
		require.ErrorContains(t, err, "CallsConfig."+tt.field+" ")
		require.Panics(t, func() { NewCalls(newFakeEnv(), tt.cfg) })
	}
}

// rpc is the message of the Calls-over-Host test: a request or its reply.
type rpc struct {
	ID    uint64
	Reply bool
	Body  string
}

func (m rpc) Size() int { return 9 + len(m.Body) }

var rpcCodec = &FrameCodec{
	Marshal: func(m Message) ([]byte, error) {
		r := m.(rpc)
		b := binary.BigEndian.AppendUint64(nil, r.ID)
		if r.Reply {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		return append(b, r.Body...), nil
	},
	Unmarshal: func(b []byte) (Message, error) {
		if len(b) < 9 {
			return nil, errors.New("rpc: short message")
		}
		return rpc{ID: binary.BigEndian.Uint64(b), Reply: b[8] == 1, Body: string(b[9:])}, nil
	},
}

// upperServer answers each request with its body in upper case, unless
// mute.
type upperServer struct {
	env  Env
	mute bool
}

func (s *upperServer) Receive(c Conn, m Message) {
	if r, ok := m.(rpc); ok && !r.Reply && !s.mute {
		_ = s.env.Send(c.Peer, rpc{ID: r.ID, Reply: true, Body: strings.ToUpper(r.Body)})
	}
}

// upperClient is a node that calls upperServer through Calls.
type upperClient struct {
	env   Env
	calls *Calls
}

func (c *upperClient) Receive(conn Conn, m Message) {
	if r, ok := m.(rpc); ok && r.Reply {
		c.calls.Reply(r.ID, conn.Peer, r)
	}
}

func (c *upperClient) Unreachable(peer Addr, err error) { c.calls.PeerUnreachable(peer, err) }

// Upper is the blocking user API: a few lines on top of Do and Calls.
func (c *upperClient) Upper(ctx context.Context, h *Host, server Addr, s string) (string, error) {
	return Do(ctx, h, func(reply func(string, error)) {
		c.calls.Call(server, func(id uint64) Message { return rpc{ID: id, Body: s} },
			func(m Message, err error) {
				if err != nil {
					reply("", err)
					return
				}
				reply(m.(rpc).Body, nil)
			})
	})
}

func TestCallsOverHosts(t *testing.T) {
	w := loopbackWorld()
	codec := func(c *HostConfig) { c.Codec = rpcCodec.New }
	srv := &upperServer{}
	server := newTestHost(t, w, codec, func(env Env) Handler { srv.env = env; return srv })
	mute := &upperServer{mute: true}
	muteHost := newTestHost(t, w, codec, func(env Env) Handler { mute.env = env; return mute })
	cli := &upperClient{}
	client := newTestHost(t, w, codec, func(env Env) Handler {
		cli.env = env
		cli.calls = NewCalls(env, CallsConfig{Timeout: 50 * time.Millisecond, MinTimeout: 10 * time.Millisecond, Retries: 1})
		return cli
	})
	ctx := context.Background()

	got, err := cli.Upper(ctx, client, server.Addr(), "hello")
	require.NoError(t, err)
	require.Equal(t, "HELLO", got)
	_, measured := cli.calls.RTT(server.Addr())
	require.True(t, measured)

	_, err = cli.Upper(ctx, client, deadAddr(t), "anyone?")
	require.ErrorIs(t, err, ErrUnreachable, "a failed dial fails the call at once")

	start := time.Now()
	_, err = cli.Upper(ctx, client, muteHost.Addr(), "hello?")
	require.ErrorIs(t, err, ErrTimeout)
	require.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond, "two attempts: 50 ms, then 100 ms")
}
