package servent

import (
	"errors"
	"fmt"
	"testing"

	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

func TestCheckJoin(t *testing.T) {
	const self transport.Addr = "/ip4/127.0.0.1/tcp/1"
	tests := []struct {
		addrs []transport.Addr
		want  string // "" for nil
	}{
		{nil, "transport: bad address: x: join: no address given"},
		{[]transport.Addr{"/ip4/127.0.0.1/tcp/2", ""}, "transport: bad address: x: join: an empty address"},
		{[]transport.Addr{self}, "transport: bad address: x: join: /ip4/127.0.0.1/tcp/1 is our own address"},
		{[]transport.Addr{"/ip4/127.0.0.1/tcp/2"}, ""},
	}
	for _, tt := range tests {
		err := CheckJoin("x: join", self, tt.addrs)
		if tt.want == "" {
			require.NoError(t, err)
			continue
		}
		require.ErrorIs(t, err, transport.ErrBadAddr)
		require.EqualError(t, err, tt.want)
	}
}

func TestAllFailed(t *testing.T) {
	a, b := transport.Addr("/ip4/127.0.0.1/tcp/2"), transport.Addr("/ip4/127.0.0.1/tcp/3")
	failures := map[transport.Addr]error{a: fmt.Errorf("%w: refused", transport.ErrUnreachable)}
	failed := func(x transport.Addr) (error, bool) { err, ok := failures[x]; return err, ok }
	_, all := AllFailed("x: join", []transport.Addr{a, b}, failed)
	require.False(t, all, "b has not failed yet")
	failures[b] = errors.Join(transport.ErrUnreachable, transport.ErrBadAddr)
	err, all := AllFailed("x: join", []transport.Addr{a, b}, failed)
	require.True(t, all)
	require.ErrorIs(t, err, transport.ErrUnreachable)
	require.ErrorIs(t, err, transport.ErrBadAddr)
	require.ErrorContains(t, err, string(a))
	require.ErrorContains(t, err, string(b))
}
