package dht

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBetween(t *testing.T) {
	s, err := NewSpace(6)
	require.NoError(t, err)
	id := s.FromUint64
	tests := []struct {
		x, a, b      uint64
		open, halfOp bool
	}{
		{5, 1, 10, true, true},
		{10, 1, 10, false, true},
		{1, 1, 10, false, false},
		{61, 60, 1, true, true}, // wraps around 63
		{0, 60, 1, true, true},
		{1, 60, 1, false, true},
		{30, 60, 1, false, false},
		{7, 7, 7, false, true}, // a == b: the whole circle
		{8, 7, 7, true, true},
	}
	for _, tt := range tests {
		require.Equal(t, tt.open, Between(id(tt.x), id(tt.a), id(tt.b)), "%d in (%d, %d)", tt.x, tt.a, tt.b)
		require.Equal(t, tt.halfOp, BetweenRight(id(tt.x), id(tt.a), id(tt.b)), "%d in (%d, %d]", tt.x, tt.a, tt.b)
	}
}

func TestSpaceArithmetic(t *testing.T) {
	s, _ := NewSpace(6)
	require.Equal(t, s.FromUint64(3), s.Distance(s.FromUint64(60), s.FromUint64(63)))
	require.Equal(t, s.FromUint64(5), s.Distance(s.FromUint64(60), s.FromUint64(1)), "wraps")
	require.Equal(t, s.FromUint64(1), s.AddPow2(s.FromUint64(61), 2), "61+4 mod 64")
	require.Equal(t, s.FromUint64(28), s.AddPow2(s.FromUint64(60), 5), "60+32 mod 64")
	require.Equal(t, s.FromUint64(4), s.FromUint64(68), "FromUint64 reduces mod 2^m")
	for _, key := range []string{"alice", "bob", ""} {
		require.True(t, s.Valid(s.Hash([]byte(key))))
		require.Less(t, s.Hash([]byte(key)).Uint64(), uint64(64))
	}
	big, _ := NewSpace(160)
	a := big.Hash([]byte("a"))
	require.Equal(t, a, big.AddPow2(big.AddPow2(a, 159), 159), "2^159 twice is the full circle")
	require.Equal(t, ID{}, big.Distance(a, a))
	require.Equal(t, 0, ID{}.BitLen())
	require.Equal(t, 6, s.FromUint64(32).BitLen())
	require.Equal(t, 160, big.AddPow2(ID{}, 159).BitLen())
	require.Equal(t, "42", s.FromUint64(42).String())
	require.Len(t, big.AddPow2(ID{}, 159).String(), 40)

	_, err := NewSpace(0)
	require.ErrorIs(t, err, ErrBadConfig)
	_, err = NewSpace(161)
	require.ErrorIs(t, err, ErrBadConfig)
}

func TestIDFromAddrUsesPeerID(t *testing.T) {
	s, _ := NewSpace(160)
	a := IDFromAddr(s, "/ip4/127.0.0.1/tcp/1/p2p/12D3KooWAbc")
	b := IDFromAddr(s, "/ip4/10.0.0.1/tcp/9/p2p/12D3KooWAbc")
	require.Equal(t, a, b, "the peer ID, not the address, places a libp2p node")
	require.NotEqual(t, IDFromAddr(s, "/ip4/127.0.0.1/tcp/1"), IDFromAddr(s, "/ip4/127.0.0.1/tcp/2"))
}

func TestConfigValidate(t *testing.T) {
	big := MaxBits
	tooBig := ID{0xff}
	tests := []struct {
		name  string
		cfg   PeerConfig
		field string
	}{
		{"zero is fine", PeerConfig{}, ""},
		{"bits", PeerConfig{Bits: big + 1}, "Bits"},
		{"replicas over successors", PeerConfig{Successors: 2, Replicas: 4}, "Replicas"},
		{"negative interval", PeerConfig{StabilizeInterval: -1}, "StabilizeInterval"},
		{"mode", PeerConfig{Mode: 7}, "Mode"},
		{"id outside the space", PeerConfig{Bits: 6, ID: &tooBig}, "ID"},
		{"value size", PeerConfig{MaxValueSize: maxFrame}, "MaxValueSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrBadConfig)
			require.Contains(t, err.Error(), "PeerConfig."+tt.field)
		})
	}
}
