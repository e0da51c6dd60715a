package dht

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// A bad or dead bootstrap address is reported as what it is, names the
// address tried and not our own, and fails as soon as every candidate
// failed, not when the context ends.
func TestJoinErrorsNameTheBootstrap(t *testing.T) {
	dead := transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", testutil.FreeTCPPort(t)))
	tests := []struct {
		name      string
		bootstrap []transport.Addr
		is        error
		names     string
	}{
		{"host:port is not an address", []transport.Addr{"127.0.0.1:4000"}, transport.ErrBadAddr, "127.0.0.1:4000"},
		{"empty multiaddr protocol", []transport.Addr{"/ip4/127.0.0.1"}, transport.ErrBadAddr, "/ip4/127.0.0.1"},
		{"nobody listens", []transport.Addr{dead}, transport.ErrUnreachable, string(dead)},
		{"bad then dead", []transport.Addr{"nonsense", dead}, transport.ErrUnreachable, string(dead)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nd, err := NewNode(NodeConfig{})
			require.NoError(t, err)
			defer nd.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			err = nd.Join(ctx, tt.bootstrap...)
			require.Error(t, err)
			require.ErrorIs(t, err, tt.is)
			require.Contains(t, err.Error(), tt.names)
			require.NotContains(t, err.Error(), string(nd.Addr()), "our own address is not the culprit")
			require.NotErrorIs(t, err, context.DeadlineExceeded)
			require.Less(t, time.Since(start), 5*time.Second, "fails once every candidate failed")
			t.Log(err)
		})
	}
}
