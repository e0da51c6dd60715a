package utp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// lossyUDP drops a share of the datagrams it sends, from a seeded source.
type lossyUDP struct {
	*net.UDPConn
	mu   sync.Mutex
	rng  *rand.Rand
	loss float64
}

func (l *lossyUDP) WriteToUDPAddrPort(b []byte, to netip.AddrPort) (int, error) {
	l.mu.Lock()
	drop := l.rng.Float64() < l.loss
	l.mu.Unlock()
	if drop {
		return len(b), nil
	}
	return l.UDPConn.WriteToUDPAddrPort(b, to)
}

// TestTransferUnderLoss: with 5 % of the datagrams of both sides lost,
// 512 KiB each way arrive intact, through timeouts, fast retransmits and
// selective acks.
func TestTransferUnderLoss(t *testing.T) {
	newLossy := func(seed uint64) *Socket {
		pc := &lossyUDP{UDPConn: mustUDP(t, "127.0.0.1"), rng: rand.New(rand.NewPCG(seed, 1)), loss: 0.05}
		// No offload: a segmented send would bypass the lossy WriteToUDPAddrPort.
		s, err := NewSocket(pc, Config{NoOffload: true})
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	a, b := newLossy(1), newLossy(2)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var (
		ca  net.Conn
		err error
	)
	for range 5 { // the SYN or its answer may be lost; the dial retries
		if ca, err = a.Dial(ctx, b.Addr()); err == nil {
			break
		}
	}
	require.NoError(t, err)
	defer ca.Close()
	cb, err := b.Accept()
	require.NoError(t, err)
	defer cb.Close()

	data := make([]byte, 512<<10)
	for i := range data {
		data[i] = byte(i * 7)
	}
	want := sha256.Sum256(data)
	deadline := time.Now().Add(20 * time.Second)
	require.NoError(t, ca.SetDeadline(deadline))
	require.NoError(t, cb.SetDeadline(deadline))
	var wg sync.WaitGroup
	echo := func(c net.Conn, errc *error, got *[32]byte) {
		defer wg.Done()
		go func() { _, _ = io.Copy(c, bytes.NewReader(data)); _ = c.(*Conn).CloseWrite() }()
		h := sha256.New()
		_, *errc = io.Copy(h, c)
		copy(got[:], h.Sum(nil))
	}
	var ea, eb error
	var ga, gb [32]byte
	wg.Add(2)
	go echo(ca, &ea, &ga)
	go echo(cb, &eb, &gb)
	wg.Wait()
	require.NoError(t, ea)
	require.NoError(t, eb)
	require.Equal(t, want, ga)
	require.Equal(t, want, gb)
	st := a.Stats()
	require.Positive(t, st.Retransmits, "losses were repaired by retransmission")
	t.Logf("a: %+v", st)
}
