package kademlia

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A value lives while its publisher republishes it, and expires ValueTTL
// after the publisher went away: holders replicate it with its remaining
// life, never a fresh one.
func TestRepublishAndExpiry(t *testing.T) {
	cfg := PeerConfig{K: 8, ValueTTL: 10 * time.Minute, RepublishInterval: 4 * time.Minute, ReplicateInterval: 3 * time.Minute}
	s := grow(t, cfg, 40, 10*time.Millisecond, time.Minute)
	publisher := s.RandomAddr()
	_, err := s.Put(publisher, []byte("k"), []byte("v"))
	require.NoError(t, err)
	s.Run(30 * time.Minute) // three lifetimes
	got, err := s.Get(s.RandomAddr(), []byte("k"))
	require.NoError(t, err, "republished")
	require.Equal(t, [][]byte{[]byte("v")}, got)

	require.NoError(t, s.Crash(publisher))
	s.Run(cfg.ValueTTL + 2*time.Minute)
	_, err = s.Get(s.RandomAddr(), []byte("k"))
	require.ErrorIs(t, err, ErrNotFound, "expired without its publisher")
}

// A bucket no lookup went through for RefreshInterval is refreshed by a
// lookup of a random ID in it.
func TestBucketRefresh(t *testing.T) {
	cfg := PeerConfig{K: 8, RefreshInterval: 10 * time.Minute}
	s := grow(t, cfg, 40, 10*time.Millisecond, time.Minute)
	p := s.Peer(s.RandomAddr())
	before := p.Stats().Lookups
	s.Run(5 * time.Minute)
	require.Equal(t, before, p.Stats().Lookups, "no refresh before the interval")
	s.Run(10 * time.Minute)
	require.Greater(t, p.Stats().Lookups, before, "stale buckets refreshed")
	require.Empty(t, p.table.stale(s.Network().Now().Add(-cfg.RefreshInterval)))
}
