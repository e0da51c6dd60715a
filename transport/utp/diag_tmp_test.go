package utp

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDiagTmp(t *testing.T) {
	a, err := NewSocket(mustUDP(t, "127.0.0.1"), Config{})
	require.NoError(t, err)
	defer a.Close()
	b, err := NewSocket(mustUDP(t, "127.0.0.1"), Config{})
	require.NoError(t, err)
	defer b.Close()
	done := make(chan int64)
	go func() {
		c, _ := b.Accept()
		n, _ := io.Copy(io.Discard, c)
		done <- n
	}()
	c, err := a.Dial(context.Background(), b.Addr())
	require.NoError(t, err)
	buf := make([]byte, 1<<20)
	start := time.Now()
	for range 256 {
		_, err := c.Write(buf)
		require.NoError(t, err)
	}
	c.CloseWrite()
	n := <-done
	el := time.Since(start)
	t.Logf("%d bytes in %v: %.0f MB/s", n, el, float64(n)/1e6/el.Seconds())
	t.Logf("sender %+v", a.Stats())
	t.Logf("recv   %+v", b.Stats())
	t.Logf("gso %v gro %v cwnd %d", a.gso.Load(), a.gro, c.cc.cwnd)
}
