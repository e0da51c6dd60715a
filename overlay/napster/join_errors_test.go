package napster

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// A bad or dead directory address makes Join fail at once with what went
// wrong, naming the directory and never our own address, instead of
// waiting for the context to end.
func TestJoinErrorsNameTheDirectory(t *testing.T) {
	dead := transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", testutil.FreeTCPPort(t)))
	own := transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", testutil.FreeTCPPort(t)))
	tests := []struct {
		name      string
		directory transport.Addr
		listen    transport.Addr
		is        error
		names     string
	}{
		{"host:port is not an address", "127.0.0.1:8888", "", transport.ErrBadAddr, "127.0.0.1:8888"},
		{"empty multiaddr protocol", "/ip4/127.0.0.1", "", transport.ErrBadAddr, "/ip4/127.0.0.1"},
		{"nobody listens", dead, "", transport.ErrUnreachable, string(dead)},
		{"our own address", own, own, transport.ErrBadAddr, "our own address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewNode(NodeConfig{Directory: tt.directory, Listen: tt.listen})
			require.NoError(t, err)
			defer s.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			err = s.Join(ctx)
			require.ErrorIs(t, err, tt.is)
			require.ErrorContains(t, err, tt.names)
			if tt.directory != s.Addr() {
				require.NotContains(t, err.Error(), string(s.Addr()), "our own address is not the culprit")
			}
			require.NotErrorIs(t, err, context.DeadlineExceeded)
			require.Less(t, time.Since(start), 5*time.Second, "fails once the directory failed")
			t.Log(err)
		})
	}
	t.Run("an empty directory is a bad config", func(t *testing.T) {
		_, err := NewNode(NodeConfig{})
		require.ErrorIs(t, err, ErrBadConfig)
	})
}
