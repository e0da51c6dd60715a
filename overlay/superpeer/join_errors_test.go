package superpeer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// A bad or dead leader address makes Join fail at once with what went
// wrong, naming the address tried and never our own, instead of waiting
// for the context to end; one live leader among dead ones is enough.
func TestJoinErrorsNameTheAddress(t *testing.T) {
	dead := transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", testutil.FreeTCPPort(t)))
	dead2 := transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", testutil.FreeTCPPort(t)))
	for _, leader := range []bool{false, true} {
		s := newTestNode(t, PeerConfig{Leader: leader})
		tests := []struct {
			name  string
			addrs []transport.Addr
			is    error
			names []string
		}{
			{"host:port is not an address", []transport.Addr{"127.0.0.1:1214"}, transport.ErrBadAddr, []string{"127.0.0.1:1214"}},
			{"nobody listens", []transport.Addr{dead}, transport.ErrUnreachable, []string{string(dead)}},
			{"bad then dead", []transport.Addr{"nonsense", dead}, transport.ErrUnreachable, []string{"nonsense", string(dead)}},
			{"two dead", []transport.Addr{dead, dead2}, transport.ErrUnreachable, []string{string(dead), string(dead2)}},
			{"no address", nil, transport.ErrBadAddr, []string{"no address"}},
			{"an empty address", []transport.Addr{""}, transport.ErrBadAddr, []string{"empty address"}},
			{"our own address", []transport.Addr{s.Addr()}, transport.ErrBadAddr, []string{"our own address"}},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("leader=%v/%s", leader, tt.name), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				start := time.Now()
				err := s.Join(ctx, tt.addrs...)
				require.ErrorIs(t, err, tt.is)
				for _, n := range tt.names {
					require.ErrorContains(t, err, n)
				}
				if tt.name != "our own address" {
					require.NotContains(t, err.Error(), string(s.Addr()), "our own address is not the culprit")
				}
				require.NotErrorIs(t, err, context.DeadlineExceeded)
				require.Less(t, time.Since(start), 5*time.Second, "fails once every candidate failed")
			})
		}
		l := newTestNode(t, PeerConfig{Leader: true})
		t.Run(fmt.Sprintf("leader=%v/configured leaders", leader), func(t *testing.T) {
			c := newTestNode(t, PeerConfig{Leader: leader, Leaders: []transport.Addr{dead, l.Addr()}})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			require.NoError(t, c.Join(ctx), "Join with no address waits for NodeConfig.Leaders")
			d := newTestNode(t, PeerConfig{Leader: leader, Leaders: []transport.Addr{dead}})
			err := d.Join(ctx)
			require.ErrorIs(t, err, transport.ErrUnreachable)
			require.ErrorContains(t, err, string(dead))
		})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := s.Join(ctx, dead, l.Addr())
		require.NoError(t, err, "one live leader is enough (leader=%v)", leader)
		cancel()
	}
}
