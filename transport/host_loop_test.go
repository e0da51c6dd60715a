package transport

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHostTimers(t *testing.T) {
	rec, newRec := newRecorder(nil)
	h := newTestHost(t, loopbackWorld(), nil, newRec)
	fired := make(chan string, 8)
	var stopB, stopC func() bool
	onLoop(t, h, func() {
		rec.env.AfterFunc(30*time.Millisecond, func() { fired <- "a" })
		stopB = rec.env.AfterFunc(20*time.Millisecond, func() { fired <- "b" })
		rec.env.AfterFunc(10*time.Millisecond, func() { fired <- "c" })
		stopC = rec.env.AfterFunc(0, func() { fired <- "now" })
		require.True(t, stopB(), "stopping a pending timer reports true")
		require.False(t, stopB(), "stopping it again reports false")
	})
	for _, want := range []string{"now", "c", "a"} {
		select {
		case got := <-fired:
			require.Equal(t, want, got)
		case <-time.After(5 * time.Second):
			t.Fatalf("timer %q did not fire", want)
		}
	}
	onLoop(t, h, func() { require.False(t, stopC(), "a fired timer cannot be stopped") })
	select {
	case got := <-fired:
		t.Fatalf("stopped timer fired: %q", got)
	case <-time.After(30 * time.Millisecond):
	}
}

func TestHostOffload(t *testing.T) {
	t.Run("done runs on the loop after work", func(t *testing.T) {
		rec, newRec := newRecorder(nil)
		h := newTestHost(t, loopbackWorld(), nil, newRec)
		got, err := Do(context.Background(), h, func(reply func(int, error)) {
			var sum int
			rec.env.Offload(time.Second, func() {
				for i := range 1000 {
					sum += i
				}
			}, func() { reply(sum, nil) })
		})
		require.NoError(t, err)
		require.Equal(t, 499500, got)
	})
	t.Run("Close waits for work", func(t *testing.T) {
		rec, newRec := newRecorder(nil)
		h, err := NewHost(HostConfig{Stream: loopbackTCP{}}, newRec)
		require.NoError(t, err)
		release, started := make(chan struct{}), make(chan struct{})
		onLoop(t, h, func() { rec.env.Offload(0, func() { close(started); <-release }, func() {}) })
		<-started
		closed := make(chan struct{})
		go func() { h.Close(); close(closed) }()
		select {
		case <-closed:
			t.Fatal("Close returned while offloaded work was running")
		case <-time.After(30 * time.Millisecond):
		}
		close(release)
		<-closed
	})
	t.Run("a full queue refuses jobs without blocking the loop", func(t *testing.T) {
		rec, newRec := newRecorder(nil)
		h := newTestHost(t, loopbackWorld(), func(c *HostConfig) { c.OffloadWorkers, c.OffloadQueue = 1, 1 }, newRec)
		release, started := make(chan struct{}), make(chan struct{})
		done := make(chan string, 3)
		onLoop(t, h, func() {
			rec.env.Offload(0, func() { close(started); <-release }, func() { done <- "first" })
		})
		<-started // the only worker is busy
		onLoop(t, h, func() {
			require.True(t, TryOffload(rec.env, 0, func() {}, func() { done <- "queued" }))
			rec.env.Offload(0, func() { t.Error("a refused job ran") }, func() { done <- "refused" })
			require.False(t, TryOffload(rec.env, 0, func() { t.Error("a refused job ran") }, nil), "TryOffload reports the refusal")
		})
		require.EqualValues(t, 2, h.Stats().OffloadRefused)
		close(release)
		require.Equal(t, "first", <-done)
		require.Equal(t, "queued", <-done, "the honest queued job still runs")
		onLoop(t, h, func() { rec.env.Offload(0, func() {}, func() { done <- "later" }) })
		require.Equal(t, "later", <-done, "the queue has room again")
		require.Empty(t, done)
	})
	t.Run("Close stops the workers and drops queued jobs", func(t *testing.T) {
		rec, newRec := newRecorder(nil)
		h, err := NewHost(HostConfig{Stream: loopbackTCP{}, OffloadWorkers: 2}, newRec)
		require.NoError(t, err)
		onLoop(t, h, func() {
			for range 10 {
				rec.env.Offload(0, func() { time.Sleep(time.Millisecond) }, func() {})
			}
		})
		require.NoError(t, h.Close()) // goleak in TestMain checks no worker is left
	})
}

func TestDo(t *testing.T) {
	rec, newRec := newRecorder(nil)
	h, err := NewHost(HostConfig{Stream: loopbackTCP{}}, newRec)
	require.NoError(t, err)

	got, err := Do(context.Background(), h, func(reply func(Addr, error)) { reply(rec.env.Self(), nil) })
	require.NoError(t, err)
	require.Equal(t, Addr(""), got, "a host without a listener has no address")

	boom := errors.New("boom")
	_, err = Do(context.Background(), h, func(reply func(int, error)) { reply(1, boom); reply(2, nil) })
	require.ErrorIs(t, err, boom, "the first reply counts")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err = Do(ctx, h, func(reply func(int, error)) {})
	require.ErrorIs(t, err, context.DeadlineExceeded)

	pending := make(chan error)
	go func() {
		_, err := Do(context.Background(), h, func(reply func(int, error)) {})
		pending <- err
	}()
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, h.Close())
	require.ErrorIs(t, <-pending, ErrClosed, "Close ends a Do whose reply never comes")
	_, err = Do(context.Background(), h, func(reply func(int, error)) { reply(1, nil) })
	require.ErrorIs(t, err, ErrClosed)
	require.Equal(t, "stop", rec.next(t, "stop").kind, "Close called Stop")
}

func TestHostSeed(t *testing.T) {
	draw := func(seed uint64) uint64 {
		rec, newRec := newRecorder(nil)
		h := newTestHost(t, loopbackWorld(), func(c *HostConfig) { c.Seed = seed }, newRec)
		v, err := Do(context.Background(), h, func(reply func(uint64, error)) { reply(rec.env.Rand().Uint64(), nil) })
		require.NoError(t, err)
		return v
	}
	require.Equal(t, draw(7), draw(7), "the same seed gives the same stream")
	require.NotEqual(t, draw(7), draw(8))
}

func TestHostConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   HostConfig
		field string // "" when valid
	}{
		{"stream only", HostConfig{Stream: loopbackTCP{}}, ""},
		{"packet only", HostConfig{Packet: loopbackUDP{}, PacketListen: "/ip4/127.0.0.1/udp/0"}, ""},
		{"no transport", HostConfig{}, "Stream"},
		{"listen without stream", HostConfig{Packet: loopbackUDP{}, PacketListen: "/ip4/127.0.0.1/udp/0", Listen: "/ip4/127.0.0.1/tcp/0"}, "Listen"},
		{"packet without address", HostConfig{Packet: loopbackUDP{}}, "PacketListen"},
		{"packet address without packet", HostConfig{Stream: loopbackTCP{}, PacketListen: "/ip4/127.0.0.1/udp/0"}, "PacketListen"},
		{"negative queue", HostConfig{Stream: loopbackTCP{}, PeerQueueLimit: -1}, "PeerQueueLimit"},
		{"negative budget", HostConfig{Stream: loopbackTCP{}, MemoryBudget: -1}, "MemoryBudget"},
		{"negative offload workers", HostConfig{Stream: loopbackTCP{}, OffloadWorkers: -1}, "OffloadWorkers"},
		{"negative offload queue", HostConfig{Stream: loopbackTCP{}, OffloadQueue: -1}, "OffloadQueue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrBadConfig)
			require.ErrorContains(t, err, "HostConfig."+tt.field+" ")
			_, err = NewHost(tt.cfg, func(Env) Handler { return nil })
			require.ErrorIs(t, err, ErrBadConfig)
		})
	}
	_, err := NewHost(HostConfig{Stream: loopbackTCP{}}, nil)
	require.ErrorIs(t, err, ErrBadConfig)
	_, err = NewHost(HostConfig{Stream: loopbackTCP{}, Listen: "/ip4/127.0.0.1/tcp/0"}, func(Env) Handler { return nil })
	require.ErrorIs(t, err, ErrBadConfig, "a nil handler is refused")
	_, err = NewHost(HostConfig{Stream: loopbackTCP{}, Listen: "/bad"}, func(Env) Handler { return nil })
	require.ErrorIs(t, err, ErrBadAddr)
}
