package transport_test

import (
	"cmp"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/transporttest"
)

// req is the request message of these tests.
type req struct{ id uint64 }

func (req) Size() int { return 8 }

// result records what a call's callback got.
type result struct {
	calls int
	reply transport.Message
	err   error
	at    time.Time
}

func (r *result) callback(env *transporttest.FakeEnv) func(transport.Message, error) {
	return func(m transport.Message, err error) { r.calls++; r.reply, r.err, r.at = m, err, env.Now() }
}

const peerA, peerB = transport.Addr("/fake/a"), transport.Addr("/fake/b")

func newCallsForTest(t *testing.T, cfg transport.CallsConfig) (*transporttest.FakeEnv, *transport.Calls) {
	t.Helper()
	env := transporttest.NewFakeEnv("/fake/self", 1)
	calls, err := transport.NewCalls(env, cfg)
	require.NoError(t, err)
	return env, calls
}

func build(id uint64) transport.Message { return req{id} }

func TestCallsReply(t *testing.T) {
	env, calls := newCallsForTest(t, transport.CallsConfig{})
	var r result
	id := calls.Call(peerA, build, r.callback(env))
	require.NotZero(t, id)
	require.Len(t, env.Sent(), 1)
	require.Equal(t, req{id}, env.Sent()[0].Msg)
	require.Equal(t, peerA, env.Sent()[0].To)
	require.Equal(t, 1, calls.Pending())

	env.Advance(80 * time.Millisecond)
	require.False(t, calls.Reply(id, peerB, transport.Bytes("spoofed")), "a reply from another address is refused")
	require.False(t, calls.Reply(id+1, peerA, transport.Bytes("wrong id")))
	require.Zero(t, r.calls)
	require.True(t, calls.Reply(id, peerA, transport.Bytes("pong")))
	require.Equal(t, result{calls: 1, reply: transport.Bytes("pong"), at: env.Now()}, r)
	require.False(t, calls.Reply(id, peerA, transport.Bytes("again")), "a duplicate reply is ignored")

	rtt, ok := calls.RTT(peerA)
	require.True(t, ok)
	require.Equal(t, 80*time.Millisecond, rtt)
	env.Advance(time.Minute)
	require.Equal(t, 1, r.calls, "the timer was stopped")
	require.Len(t, env.Sent(), 1, "no retry after a reply")
	require.Zero(t, calls.Pending())
}

func TestCallsTimeoutsAndRetries(t *testing.T) {
	tests := []struct {
		name      string
		cfg       transport.CallsConfig
		replyAt   time.Duration // 0: never
		wantSends []time.Duration
		wantErrAt time.Duration // 0: the call succeeds
		wantRTT   bool
	}{
		{
			name:      "no reply: three attempts with doubling timeouts",
			cfg:       transport.CallsConfig{},
			wantSends: []time.Duration{0, time.Second, 3 * time.Second},
			wantErrAt: 7 * time.Second,
		},
		{
			name:      "no retries",
			cfg:       transport.CallsConfig{Retries: -1, Timeout: 500 * time.Millisecond},
			wantSends: []time.Duration{0},
			wantErrAt: 500 * time.Millisecond,
		},
		{
			name:      "back-off stops at MaxTimeout",
			cfg:       transport.CallsConfig{Retries: 3, MaxTimeout: 3 * time.Second},
			wantSends: []time.Duration{0, time.Second, 3 * time.Second, 6 * time.Second},
			wantErrAt: 9 * time.Second,
		},
		{
			name:      "reply to the second attempt: success, but no RTT sample (Karn)",
			cfg:       transport.CallsConfig{},
			replyAt:   1500 * time.Millisecond,
			wantSends: []time.Duration{0, time.Second},
		},
		{
			name:      "reply to the first attempt measures the round trip",
			cfg:       transport.CallsConfig{},
			replyAt:   300 * time.Millisecond,
			wantSends: []time.Duration{0},
			wantRTT:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hook []transport.Addr
			tt.cfg.Unreachable = func(peer transport.Addr, err error) {
				require.ErrorIs(t, err, transport.ErrTimeout)
				hook = append(hook, peer)
			}
			env, calls := newCallsForTest(t, tt.cfg)
			start := env.Now()
			var r result
			id := calls.Call(peerA, build, r.callback(env))
			if tt.replyAt > 0 {
				env.Advance(tt.replyAt)
				require.True(t, calls.Reply(id, peerA, transport.Bytes("ok")))
			}
			env.Advance(time.Minute)

			var sends []time.Duration
			for _, s := range env.Sent() {
				require.Equal(t, req{id}, s.Msg, "every attempt carries the same ID")
				sends = append(sends, s.At.Sub(start))
			}
			require.Equal(t, tt.wantSends, sends)
			require.Equal(t, 1, r.calls)
			if tt.wantErrAt > 0 {
				require.ErrorIs(t, r.err, transport.ErrTimeout)
				require.Equal(t, tt.wantErrAt, r.at.Sub(start))
				require.Equal(t, []transport.Addr{peerA}, hook)
				require.False(t, calls.Reply(id, peerA, transport.Bytes("late")), "a late reply is ignored")
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
		cfg     transport.CallsConfig
		samples []time.Duration
		want    time.Duration
	}{
		{"no sample: the configured timeout", transport.CallsConfig{Timeout: 700 * ms}, nil, 700 * ms},
		// RFC 6298 2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR.
		{"first sample", transport.CallsConfig{MinTimeout: ms}, []time.Duration{100 * ms}, 300 * ms},
		// 2.3: RTTVAR = 3/4·50 + 1/4·|100-100| = 37.5; SRTT = 100.
		{"steady samples shrink the variance", transport.CallsConfig{MinTimeout: ms}, []time.Duration{100 * ms, 100 * ms}, 250 * ms},
		// RTTVAR = 3/4·50 + 1/4·|100-250| = 75; SRTT = 7/8·100 + 1/8·250 = 118.75.
		{"a slow sample grows it", transport.CallsConfig{MinTimeout: ms}, []time.Duration{100 * ms, 250 * ms}, 418750 * time.Microsecond},
		{"clamped to MinTimeout", transport.CallsConfig{}, []time.Duration{10 * ms}, transport.DefaultCallMinTimeout},
		{"clamped to MaxTimeout", transport.CallsConfig{Timeout: 8 * time.Second, MaxTimeout: 9 * time.Second}, []time.Duration{5 * time.Second}, 9 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, calls := newCallsForTest(t, tt.cfg)
			for _, rtt := range tt.samples {
				var r result
				id := calls.Call(peerA, build, r.callback(env))
				env.Advance(rtt)
				require.True(t, calls.Reply(id, peerA, transport.Bytes("ok")))
			}
			require.Equal(t, tt.want, calls.Timeout(peerA))
			require.Equal(t, calls.Timeout(peerB), cmp.Or(tt.cfg.Timeout, transport.DefaultCallTimeout), "other peers keep the default")
		})
	}
	t.Run("the next call uses the measured timeout", func(t *testing.T) {
		env, calls := newCallsForTest(t, transport.CallsConfig{MinTimeout: ms, Retries: -1})
		var r result
		id := calls.Call(peerA, build, r.callback(env))
		env.Advance(40 * ms)
		calls.Reply(id, peerA, transport.Bytes("ok"))
		start := env.Now()
		calls.Call(peerA, build, r.callback(env))
		env.Advance(time.Minute)
		require.ErrorIs(t, r.err, transport.ErrTimeout)
		require.Equal(t, 120*ms, r.at.Sub(start))
	})
	t.Run("MaxPeers forgets the least recently measured", func(t *testing.T) {
		env, calls := newCallsForTest(t, transport.CallsConfig{MaxPeers: 2})
		for _, p := range []transport.Addr{peerA, peerB, "/fake/c"} {
			var r result
			id := calls.Call(p, build, r.callback(env))
			env.Advance(10 * ms)
			calls.Reply(id, p, transport.Bytes("ok"))
		}
		_, a := calls.RTT(peerA)
		_, b := calls.RTT(peerB)
		require.False(t, a)
		require.True(t, b)
	})
}

func TestCallsPeerUnreachable(t *testing.T) {
	env, calls := newCallsForTest(t, transport.CallsConfig{})
	var order []string
	for i, p := range []transport.Addr{peerA, peerB, peerA, peerA} {
		calls.Call(p, build, func(m transport.Message, err error) {
			if p == peerA {
				require.ErrorIs(t, err, transport.ErrUnreachable)
				require.ErrorIs(t, err, errRefused)
			}
			order = append(order, fmt.Sprint(i))
		})
	}
	require.Equal(t, 3, calls.PeerUnreachable(peerA, errRefused))
	require.Equal(t, []string{"0", "2", "3"}, order, "failed at once, in call order")
	require.Equal(t, 1, calls.Pending())
	env.Advance(time.Minute)
	require.Equal(t, []string{"0", "2", "3", "1"}, order, "the other peer's call times out on its own")
	require.Zero(t, calls.PeerUnreachable(peerA, nil))
}

var errRefused = errors.New("connection refused")

func TestCallsSendErrors(t *testing.T) {
	t.Run("a refused send fails the call after Call returns", func(t *testing.T) {
		env, calls := newCallsForTest(t, transport.CallsConfig{})
		env.SendErr = transport.ErrBadAddr
		var r result
		calls.Call("nonsense", build, r.callback(env))
		require.Zero(t, r.calls, "not from inside Call")
		env.Advance(0)
		require.Equal(t, 1, r.calls)
		require.ErrorIs(t, r.err, transport.ErrBadAddr)
		require.Zero(t, calls.Pending())
	})
	t.Run("backpressure counts as a lost attempt", func(t *testing.T) {
		env, calls := newCallsForTest(t, transport.CallsConfig{})
		env.SendErr = transport.ErrBackpressure
		var r result
		id := calls.Call(peerA, build, r.callback(env))
		env.SendErr = nil
		env.Advance(time.Second)
		require.Len(t, env.Sent(), 1, "the retry went out")
		require.True(t, calls.Reply(id, peerA, transport.Bytes("ok")))
		require.NoError(t, r.err)
	})
}

func TestCallsIDs(t *testing.T) {
	env, calls := newCallsForTest(t, transport.CallsConfig{IDBits: 8})
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
	env.Advance(0)
	require.ErrorIs(t, r.err, transport.ErrBackpressure)

	for id := range seen {
		require.True(t, calls.Cancel(id))
		require.False(t, calls.Cancel(id))
	}
	require.Zero(t, calls.Pending())
	env.Advance(time.Minute)
	require.Equal(t, 1, r.calls, "cancelled calls never call back")
}

func TestCallsFrom(t *testing.T) {
	env, calls := newCallsForTest(t, transport.CallsConfig{})
	var r result
	id := calls.CallFrom("/fake/ep", peerA, build, r.callback(env))
	env.Advance(time.Second)
	require.Len(t, env.Sent(), 2)
	for _, s := range env.Sent() {
		require.Equal(t, transport.Addr("/fake/ep"), s.From, "every attempt leaves from the endpoint")
	}
	require.True(t, calls.Reply(id, peerA, transport.Bytes("ok")))
}

func TestCallsConfigValidate(t *testing.T) {
	tests := []struct {
		cfg   transport.CallsConfig
		field string
	}{
		{transport.CallsConfig{}, ""},
		{transport.CallsConfig{IDBits: 16, Retries: -1}, ""},
		{transport.CallsConfig{Timeout: -1}, "Timeout"},
		{transport.CallsConfig{MinTimeout: -1}, "MinTimeout"},
		{transport.CallsConfig{MaxTimeout: -1}, "MaxTimeout"},
		{transport.CallsConfig{MinTimeout: time.Minute}, "MinTimeout"},
		{transport.CallsConfig{IDBits: 4}, "IDBits"},
		{transport.CallsConfig{IDBits: 65}, "IDBits"},
		{transport.CallsConfig{MaxPeers: -1}, "MaxPeers"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if tt.field == "" {
			require.NoError(t, err)
			continue
		}
		require.ErrorIs(t, err, transport.ErrBadConfig)
		require.ErrorContains(t, err, "CallsConfig."+tt.field+" ")
		calls, err := transport.NewCalls(transporttest.NewFakeEnv("/fake/self", 1), tt.cfg)
		require.ErrorIs(t, err, transport.ErrBadConfig)
		require.Nil(t, calls)
	}
}
