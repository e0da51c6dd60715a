package swarm

import (
	"testing"

	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// mustPeer is NewPeer for a config the test knows to be valid.
func mustPeer(t testing.TB, cfg PeerConfig) transport.NewHandler {
	t.Helper()
	h, err := NewPeer(cfg)
	require.NoError(t, err)
	return h
}

// TestNewPeerRejectsABadConfig: a bad config is an error naming the
// field, not a panic.
func TestNewPeerRejectsABadConfig(t *testing.T) {
	info := syntheticInfo(1<<20, 256<<10)
	tests := []struct {
		cfg  PeerConfig
		want string
	}{
		{PeerConfig{}, "swarm: bad config: PeerConfig.Info is required"},
		{PeerConfig{Info: info}, "swarm: bad config: PeerConfig.Storage is required"},
		{PeerConfig{Info: info, Storage: &VirtualStorage{}, MaxPeers: -1}, "swarm: bad config: PeerConfig.MaxPeers -1 is negative"},
	}
	for _, tt := range tests {
		h, err := NewPeer(tt.cfg)
		require.Nil(t, h)
		require.ErrorIs(t, err, ErrBadConfig)
		require.EqualError(t, err, tt.want)
	}
}
