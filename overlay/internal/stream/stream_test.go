package stream

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/networkutopia/p2p/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type nop struct{}

func (nop) Receive(transport.Conn, transport.Message) {}

func newHost(t *testing.T) *transport.Host {
	h, err := transport.NewHost(transport.HostConfig{Stream: transport.TCP{}}, func(transport.Env) transport.Handler { return nop{} })
	require.NoError(t, err)
	return h
}

func TestStreamDeliversUntilCancelled(t *testing.T) {
	h := newHost(t)
	life := NewLifetime()
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan struct{})
	ch, err := Start(ctx, h, life, func(deliver func(int)) (func(), error) {
		deliver(1)
		deliver(2)
		return func() { close(cancelled) }, nil
	})
	require.NoError(t, err)
	require.Equal(t, 1, <-ch)
	require.Equal(t, 2, <-ch)
	cancel()
	<-cancelled
	_, ok := <-ch
	require.False(t, ok)
	life.Stop(h)
}

func TestStreamClosesWhenHostStops(t *testing.T) {
	h := newHost(t)
	life := NewLifetime()
	ch, err := Start(context.Background(), h, life, func(func(string)) (func(), error) { return func() {}, nil })
	require.NoError(t, err)
	life.Stop(h)
	select {
	case _, ok := <-ch:
		require.False(t, ok)
	case <-time.After(5 * time.Second):
		t.Fatal("stream not closed")
	}
}
