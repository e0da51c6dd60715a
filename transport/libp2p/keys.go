package libp2p

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// KeyFromSeed derives an Ed25519 key from seed (the SHA-256 of seed is the
// Ed25519 seed), so a test or an example gets the same peer ID on every
// run. Anyone who knows seed has the key: use it for tests and demos, and
// a random key ([Config] default) or one from crypto/ed25519 otherwise.
func KeyFromSeed(seed string) ed25519.PrivateKey {
	h := sha256.Sum256([]byte(seed))
	return ed25519.NewKeyFromSeed(h[:])
}

// PeerID returns the libp2p peer ID of an Ed25519 public key, as the text
// that follows /p2p/ in an address ("12D3KooW...").
func PeerID(pub ed25519.PublicKey) (string, error) {
	if len(pub) != ed25519.PublicKeySize {
		return "", fmt.Errorf("libp2p: public key has %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	pk, err := crypto.UnmarshalEd25519PublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("libp2p: %w", err)
	}
	id, err := peer.IDFromPublicKey(pk)
	if err != nil {
		return "", fmt.Errorf("libp2p: %w", err)
	}
	return id.String(), nil
}

// identity converts an Ed25519 key (nil: a fresh random one) to libp2p's
// key type.
func identity(key ed25519.PrivateKey) (crypto.PrivKey, error) {
	if key == nil {
		_, fresh, err := ed25519.GenerateKey(nil)
		if err != nil {
			return nil, fmt.Errorf("libp2p: generate key: %w", err)
		}
		key = fresh
	}
	priv, err := crypto.UnmarshalEd25519PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("%w: Config.Key: %w", ErrBadConfig, err)
	}
	return priv, nil
}
