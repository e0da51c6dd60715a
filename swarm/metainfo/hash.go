package metainfo

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
)

// HashSize is the length of a SHA-1 hash in bytes.
const HashSize = sha1.Size

// Hash is a SHA-1 hash: a piece hash, or the info-hash naming a torrent.
type Hash [HashSize]byte

// String returns the hash in lower-case hex, as clients show info-hashes.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// ParseHash reads a 40-digit hex hash.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*HashSize {
		return h, fmt.Errorf("%w: hash %q is not %d hex digits", ErrInvalid, s, 2*HashSize)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("%w: hash %q: %v", ErrInvalid, s, err)
	}
	return h, nil
}

// HashPiece returns the SHA-1 of a piece's bytes.
func HashPiece(data []byte) Hash { return sha1.Sum(data) }
