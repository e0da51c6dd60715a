package wire

import (
	"crypto/rand"
	"encoding/binary"
)

// RandomID returns a DNS message ID from the operating system's
// cryptographic source, for the queries that real sockets send outside an
// Env (zone transfers, NOTIFY). An off-path attacker who wants a forged
// answer accepted must guess it (RFC 5452 §4.3); IDs drawn from the clock
// were guessable from the time of the request. Handlers running on an Env
// draw theirs from Env.Rand, so that simulations stay reproducible.
func RandomID() uint16 {
	var b [2]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand.Read never fails (Go 1.24+)
	return binary.BigEndian.Uint16(b[:])
}
