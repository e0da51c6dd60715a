package transport_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/mem"
	"github.com/networkutopia/p2p/transport/transporttest"
)

// hostWorld runs each node on its own Host over one stream transport.
type hostWorld struct {
	stream transport.StreamTransport
	listen transport.Addr
	dead   func(t testing.TB) transport.Addr

	mu    sync.Mutex
	hosts map[transport.Addr]*transport.Host
}

func (w *hostWorld) Add(t testing.TB, newHandler transport.NewHandler) transport.Addr {
	h, err := transport.NewHost(transport.HostConfig{Stream: w.stream, Listen: w.listen, Seed: 1}, newHandler)
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.Close() })
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.hosts == nil {
		w.hosts = map[transport.Addr]*transport.Host{}
	}
	w.hosts[h.Addr()] = h
	return h.Addr()
}

func (w *hostWorld) host(a transport.Addr) *transport.Host {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.hosts[a]
}

func (w *hostWorld) Do(t testing.TB, a transport.Addr, f func()) {
	_, err := transport.Do(context.Background(), w.host(a), func(reply func(struct{}, error)) {
		f()
		reply(struct{}{}, nil)
	})
	require.NoError(t, err)
}

func (w *hostWorld) Stop(t testing.TB, a transport.Addr) { require.NoError(t, w.host(a).Close()) }

func (w *hostWorld) Wait(cond func() bool) bool {
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

func (w *hostWorld) Dead(t testing.TB) transport.Addr { return w.dead(t) }

func TestEnvConformanceHost(t *testing.T) {
	t.Run("TCP", func(t *testing.T) {
		transporttest.RunEnv(t, transporttest.EnvSetup{New: func(t *testing.T) transporttest.EnvWorld {
			return &hostWorld{stream: &transport.TCP{}, listen: "/ip4/127.0.0.1/tcp/0", dead: func(t testing.TB) transport.Addr {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				require.NoError(t, err)
				a := transport.FromNetAddr(ln.Addr())
				require.NoError(t, ln.Close())
				return a
			}}
		}})
	})
	t.Run("Mem", func(t *testing.T) {
		transporttest.RunEnv(t, transporttest.EnvSetup{New: func(t *testing.T) transporttest.EnvWorld {
			mn := mem.New(mem.Config{})
			t.Cleanup(func() { _ = mn.Close() })
			n := 0
			return &hostWorld{stream: mn, listen: "/mem/node/tcp/0", dead: func(testing.TB) transport.Addr {
				n++
				return transport.Addr("/mem/nobody/tcp/" + string(rune('1'+n)))
			}}
		}})
	})
}
