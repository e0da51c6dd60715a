// Package mse is BitTorrent's message stream encryption (MSE, also called
// protocol encryption, PE), as libtorrent, qBittorrent, Deluge and aria2
// speak it: a 768-bit Diffie–Hellman exchange (the specification's prime,
// generator 2), then RC4 keyed from the shared secret and the torrent's
// info-hash (SKEY), with the first 1024 bytes of each key stream dropped.
// The initiator offers plaintext and/or RC4 for the rest of the stream
// (crypto_provide), the receiver picks one (crypto_select).
//
// MSE hides BitTorrent from traffic shapers that look for its handshake;
// it does not protect from an attacker. RC4 is broken, the exchange is not
// authenticated (anyone in the middle can run it with both ends), and the
// info-hash that keys it is public. Use it to get through a shaping ISP,
// never for secrecy.
//
// [Transport] wraps a transport.StreamTransport: its Dial runs the
// handshake as initiator, and its listener tells a plaintext BitTorrent
// handshake (byte 19 then "BitTorrent protocol") from an encrypted one on
// the same port. The BitTorrent handshake the codec writes first travels
// as the initial payload (IA), so it is encrypted even when the receiver
// selects plaintext for what follows.
//
// # Limits
//
// Bad input closes the connection with an error wrapping [ErrHandshake]:
// a public key outside 2..P-2, padding over 512 bytes, no synchronisation
// marker within the bound the specification gives (the req1 hash within
// 628 bytes of the start, the VC marker within 616), an unknown torrent, a
// crypto method the policy refuses. A handshake holds at most a 4 KiB
// buffer and 64 KiB of initial payload, and runs under the deadline of the
// caller (transport.Host's HandshakeTimeout, its DialTimeout for Dial).
package mse

import (
	"crypto/rand"
	"crypto/rc4"
	"crypto/sha1"
	"errors"
	"fmt"
	"math/big"
)

// Policy says whether connections are encrypted.
type Policy int

const (
	// Enabled (the default) accepts plaintext and encrypted connections
	// and dials encrypted first, falling back to plaintext when the peer
	// closes the encrypted handshake, as libtorrent does by default
	// (out_enc_policy pe_enabled). It offers plaintext and RC4, and as
	// receiver selects plaintext when offered, as libtorrent does with
	// prefer_rc4 off: the handshake (the BitTorrent handshake included,
	// sent as the initial payload) is hidden, the bulk data is not, and
	// it costs no RC4 (about 600 MB/s per core, a lot beside the wire
	// path's speed). Required encrypts everything.
	Enabled Policy = iota
	// Disabled speaks plaintext only.
	Disabled
	// Required refuses plaintext connections and selects RC4 only
	// (libtorrent's pe_forced with allowed_enc_level pe_rc4).
	Required
)

// String names the policy.
func (p Policy) String() string {
	switch p {
	case Enabled:
		return "enabled"
	case Disabled:
		return "disabled"
	case Required:
		return "required"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// Crypto methods of crypto_provide and crypto_select.
const (
	CryptoPlaintext uint32 = 0x01
	CryptoRC4       uint32 = 0x02
)

// Protocol sizes and bounds from the specification.
const (
	KeyLen     = 96  // a public key or the secret S, big-endian
	MaxPad     = 512 // PadA, PadB, PadC, PadD
	MaxSyncReq = KeyLen + MaxPad + 20
	MaxSyncVC  = KeyLen + MaxPad + 8
	// MaxIA bounds the initial payload we accept: the 2-byte length allows
	// 65535.
	MaxIA = 1<<16 - 1
)

// ErrHandshake is wrapped by every handshake failure.
var ErrHandshake = errors.New("mse: handshake failed")

var (
	prime = func() *big.Int {
		p, _ := new(big.Int).SetString("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563", 16)
		return p
	}()
	generator = big.NewInt(2)
	pMinus1   = new(big.Int).Sub(prime, big.NewInt(1))
	vc        [8]byte // verification constant: 8 zero bytes
)

// keyPair is one side's Diffie–Hellman key.
type keyPair struct {
	priv *big.Int
	pub  [KeyLen]byte
}

func newKeyPair() (keyPair, error) {
	var b [20]byte // 160 bits, as the specification recommends
	if _, err := rand.Read(b[:]); err != nil {
		return keyPair{}, err
	}
	k := keyPair{priv: new(big.Int).SetBytes(b[:])}
	new(big.Int).Exp(generator, k.priv, prime).FillBytes(k.pub[:])
	return k, nil
}

// secret returns S from the peer's public key, refusing a key outside
// 2..P-2 (1 and P-1 give a secret an eavesdropper knows).
func (k keyPair) secret(peer []byte) ([KeyLen]byte, error) {
	var s [KeyLen]byte
	y := new(big.Int).SetBytes(peer)
	if y.Cmp(big.NewInt(1)) <= 0 || y.Cmp(pMinus1) >= 0 {
		return s, fmt.Errorf("%w: invalid public key", ErrHandshake)
	}
	new(big.Int).Exp(y, k.priv, prime).FillBytes(s[:])
	return s, nil
}

func hash(parts ...[]byte) [20]byte {
	h := sha1.New()
	for _, p := range parts {
		h.Write(p)
	}
	var out [20]byte
	h.Sum(out[:0])
	return out
}

// Req2 is HASH('req2', skey): the receiver finds the torrent by it.
func Req2(skey []byte) [20]byte { return hash([]byte("req2"), skey) }

// newRC4 returns the cipher keyed HASH(name, S, SKEY), past its first
// 1024 bytes.
func newRC4(name string, s [KeyLen]byte, skey []byte) *rc4.Cipher {
	k := hash([]byte(name), s[:], skey)
	c, _ := rc4.NewCipher(k[:]) // a 20-byte key is valid
	var discard [1024]byte
	c.XORKeyStream(discard[:], discard[:])
	return c
}

// randomPad returns 0..MaxPad random bytes.
func randomPad() ([]byte, error) {
	var n [2]byte
	if _, err := rand.Read(n[:]); err != nil {
		return nil, err
	}
	p := make([]byte, (int(n[0])<<8|int(n[1]))%(MaxPad+1))
	_, err := rand.Read(p)
	return p, err
}
