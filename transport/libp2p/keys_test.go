package libp2p_test

import (
	"crypto/ed25519"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport/libp2p"
)

func TestKeyFromSeedIsDeterministic(t *testing.T) {
	require.Equal(t, libp2p.KeyFromSeed("server"), libp2p.KeyFromSeed("server"))
	require.NotEqual(t, libp2p.KeyFromSeed("server"), libp2p.KeyFromSeed("client"))
	require.Len(t, libp2p.KeyFromSeed(""), ed25519.PrivateKeySize)
}

func TestPeerID(t *testing.T) {
	id, err := libp2p.PeerID(libp2p.KeyFromSeed("server").Public().(ed25519.PublicKey))
	require.NoError(t, err)
	require.Equal(t, serverID, id, "the peer ID of a seeded key must not change between versions")

	_, err = libp2p.PeerID(make(ed25519.PublicKey, 31))
	require.Error(t, err)
}

func TestTransportIDIsThePeerIDOfItsKey(t *testing.T) {
	key := libp2p.KeyFromSeed("server")
	tr, err := libp2p.New(libp2p.Config{Key: key, Transports: []libp2p.Kind{libp2p.TCP}})
	require.NoError(t, err)
	defer tr.Close()
	require.Equal(t, serverID, tr.ID())

	random, err := libp2p.New(libp2p.Config{Transports: []libp2p.Kind{libp2p.TCP}})
	require.NoError(t, err)
	defer random.Close()
	require.NotEqual(t, serverID, random.ID(), "the default key is fresh")
}
