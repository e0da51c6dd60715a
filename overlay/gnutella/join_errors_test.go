package gnutella

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// A bad or dead address makes Join fail at once with what went wrong,
// naming the address, instead of waiting for the context to end.
func TestJoinErrorsNameTheAddress(t *testing.T) {
	dead := transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", testutil.FreeTCPPort(t)))
	s := newTestNode(t)
	tests := []struct {
		name  string
		peers []transport.Addr
		is    error
		names string
	}{
		{"host:port is not an address", []transport.Addr{"127.0.0.1:6346"}, transport.ErrBadAddr, "127.0.0.1:6346"},
		{"nobody listens", []transport.Addr{dead}, transport.ErrUnreachable, string(dead)},
		{"no address", nil, transport.ErrBadAddr, "no address"},
		{"our own address", []transport.Addr{s.Addr()}, transport.ErrBadAddr, "our own address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			err := s.Join(ctx, tt.peers...)
			require.ErrorIs(t, err, tt.is)
			require.ErrorContains(t, err, tt.names)
			require.NotErrorIs(t, err, context.DeadlineExceeded)
			require.Less(t, time.Since(start), 5*time.Second)
		})
	}
	honest := newTestNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Join(ctx, dead, honest.Addr()), "one live address is enough")
}
