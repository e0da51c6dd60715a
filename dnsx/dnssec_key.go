package dnsx

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file holds DNSSEC keys: generating them, their key tags and DS
// digests, the BIND key files (K<zone>+<alg>+<tag>.key and .private), and
// the signature itself (RFC 4034 section 3.1.8.1).

// ErrDNSSEC is wrapped by the errors of signing and of checking a
// signature: a bad key, an unsupported algorithm, a signature that does
// not verify or is outside its validity period.
var ErrDNSSEC = errors.New("dnssec")

// Key is a DNSSEC private key of a zone with its public DNSKEY: what
// [SignZone] signs with. Keys with [FlagSEP] are key-signing keys (they
// sign the zone's DNSKEY RRset and their DS goes to the parent); the
// others are zone-signing keys. A zone with only one key, a SEP key,
// signs everything with it (a combined signing key).
type Key struct {
	// Zone is the canonical name of the zone the key belongs to.
	Zone string
	// DNSKEY is the public key as published in the zone.
	DNSKEY DNSKEY
	signer crypto.Signer
}

// GenerateKey makes a new key for zone with algorithm alg. flags is
// FlagZoneKey for a zone-signing key or FlagZoneKey|FlagSEP for a
// key-signing (or combined) key.
func GenerateKey(zone string, alg Algorithm, flags uint16) (*Key, error) {
	z, err := CanonicalName(zone)
	if err != nil {
		return nil, err
	}
	k := &Key{Zone: z, DNSKEY: DNSKEY{Flags: flags, Protocol: 3, Algorithm: alg}}
	switch alg {
	case AlgorithmECDSAP256SHA256:
		p, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		k.signer = p
	case AlgorithmED25519:
		_, p, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		k.signer = p
	default:
		return nil, fmt.Errorf("%w: algorithm %v is not supported", ErrDNSSEC, alg)
	}
	k.DNSKEY.PublicKey = publicKeyOctets(k.signer)
	return k, nil
}

// publicKeyOctets is the public key in DNSKEY form: X and Y for ECDSA
// (RFC 6605), the 32 octets for Ed25519 (RFC 8080).
func publicKeyOctets(s crypto.Signer) []byte {
	switch p := s.(type) {
	case *ecdsa.PrivateKey:
		b, _ := p.PublicKey.Bytes()
		return b[1:] // without the 0x04 of the uncompressed form
	case ed25519.PrivateKey:
		return slices.Clone(p.Public().(ed25519.PublicKey))
	}
	return nil
}

// RR returns the key's DNSKEY record with the given TTL.
func (k *Key) RR(ttl uint32) RR {
	return RR{Name: k.Zone, TTL: ttl, Class: ClassINET, Data: k.DNSKEY}
}

// Tag returns the key tag (RFC 4034 appendix B) that RRSIG and DS
// records use to name the key.
func (k *Key) Tag() uint16 { return KeyTag(k.DNSKEY) }

// KeyTag returns the key tag of a DNSKEY value (RFC 4034 appendix B).
func KeyTag(d DNSKEY) uint16 {
	var ac uint32
	for i, c := range d.appendWire(nil) {
		if i&1 == 0 {
			ac += uint32(c) << 8
		} else {
			ac += uint32(c)
		}
	}
	ac += ac >> 16 & 0xffff
	return uint16(ac)
}

// DS returns the DS record (digest type 2, SHA-256) for the key: what the
// parent zone holds to vouch for it.
func (k *Key) DS(ttl uint32) RR {
	return RR{Name: k.Zone, TTL: ttl, Class: ClassINET, Data: MakeDS(k.Zone, k.DNSKEY)}
}

// MakeDS returns the DS value (digest type 2, SHA-256, RFC 4509) for the
// DNSKEY key of zone (a canonical name).
func MakeDS(zone string, key DNSKEY) DS {
	h := sha256.New()
	h.Write(wire.Name(zone))
	h.Write(key.appendWire(nil))
	return DS{KeyTag: KeyTag(key), Algorithm: key.Algorithm, DigestType: DigestSHA256, Digest: h.Sum(nil)}
}

// MatchDS reports whether ds vouches for the DNSKEY key of zone; only
// digest type 2 (SHA-256) is understood.
func MatchDS(zone string, ds DS, key DNSKEY) bool {
	if ds.DigestType != DigestSHA256 || ds.KeyTag != KeyTag(key) || ds.Algorithm != key.Algorithm {
		return false
	}
	return bytes.Equal(MakeDS(zone, key).Digest, ds.Digest)
}

// FileBase returns the BIND name of the key's files without extension:
// "Knetworkutopia.com.+013+12345".
func (k *Key) FileBase() string {
	return fmt.Sprintf("K%s+%03d+%05d", k.Zone, k.DNSKEY.Algorithm, k.Tag())
}

// WriteFiles writes the key to dir in BIND's formats, as dnssec-keygen
// does: FileBase()+".key" (the DNSKEY record) and +".private" (the
// private key, mode 0600). It returns the path of the files without
// extension.
func (k *Key) WriteFiles(dir string) (string, error) {
	base := filepath.Join(dir, k.FileBase())
	pub := fmt.Sprintf("; This is a %s key, keyid %d, for %s\n%s\n", keyKind(k.DNSKEY.Flags), k.Tag(), k.Zone, k.RR(3600))
	if err := os.WriteFile(base+".key", []byte(pub), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(base+".private", k.privateFile(), 0o600); err != nil {
		return "", err
	}
	return base, nil
}

func keyKind(flags uint16) string {
	if flags&FlagSEP != 0 {
		return "key-signing"
	}
	return "zone-signing"
}

// privateFile is the key in BIND's Private-key-format v1.3.
func (k *Key) privateFile() []byte {
	var raw []byte
	switch p := k.signer.(type) {
	case *ecdsa.PrivateKey:
		raw, _ = p.Bytes()
	case ed25519.PrivateKey:
		raw = p.Seed()
	}
	now := time.Now().UTC().Format("20060102150405")
	return fmt.Appendf(nil, "Private-key-format: v1.3\nAlgorithm: %d (%v)\nPrivateKey: %s\nCreated: %s\nPublish: %s\nActivate: %s\n",
		k.DNSKEY.Algorithm, k.DNSKEY.Algorithm, base64.StdEncoding.EncodeToString(raw), now, now, now)
}

// ReadKeyFiles reads a key written by WriteFiles or by BIND's
// dnssec-keygen: base is the path without ".key" or ".private".
func ReadKeyFiles(base string) (*Key, error) {
	base = strings.TrimSuffix(strings.TrimSuffix(base, ".key"), ".private")
	pub, err := os.ReadFile(base + ".key")
	if err != nil {
		return nil, err
	}
	priv, err := os.ReadFile(base + ".private")
	if err != nil {
		return nil, err
	}
	return ParseKey(pub, priv)
}

// ParseKey reads a key from the contents of its BIND files: pub holds the
// DNSKEY record (comments allowed), priv the Private-key-format file.
func ParseKey(pub, priv []byte) (*Key, error) {
	var rr RR
	found := false
	for line := range strings.Lines(string(pub)) {
		if l := strings.TrimSpace(line); l == "" || strings.HasPrefix(l, ";") {
			continue
		}
		r, err := ParseRR(line)
		if err != nil {
			return nil, fmt.Errorf("%w: key file: %w", ErrDNSSEC, err)
		}
		rr, found = r, true
		break
	}
	d, ok := rr.Data.(DNSKEY)
	if !found || !ok {
		return nil, fmt.Errorf("%w: key file holds no DNSKEY record", ErrDNSSEC)
	}
	fields := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(priv))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok {
			fields[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	algField, _, _ := strings.Cut(fields["Algorithm"], " ")
	alg, err := strconv.Atoi(algField)
	if err != nil || Algorithm(alg) != d.Algorithm {
		return nil, fmt.Errorf("%w: private key algorithm %q does not match the DNSKEY's %d", ErrDNSSEC, fields["Algorithm"], d.Algorithm)
	}
	raw, err := base64.StdEncoding.DecodeString(fields["PrivateKey"])
	if err != nil {
		return nil, fmt.Errorf("%w: private key: %w", ErrDNSSEC, err)
	}
	k := &Key{Zone: rr.Name, DNSKEY: d}
	switch d.Algorithm {
	case AlgorithmECDSAP256SHA256:
		p, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
		if err != nil {
			return nil, fmt.Errorf("%w: private key: %w", ErrDNSSEC, err)
		}
		k.signer = p
	case AlgorithmED25519:
		if len(raw) != ed25519.SeedSize {
			return nil, fmt.Errorf("%w: Ed25519 private key of %d octets", ErrDNSSEC, len(raw))
		}
		k.signer = ed25519.NewKeyFromSeed(raw)
	default:
		return nil, fmt.Errorf("%w: algorithm %v is not supported", ErrDNSSEC, d.Algorithm)
	}
	if !bytes.Equal(publicKeyOctets(k.signer), d.PublicKey) {
		return nil, fmt.Errorf("%w: the private key does not match the DNSKEY", ErrDNSSEC)
	}
	return k, nil
}

// signedData is what an RRSIG covers (RFC 4034 section 3.1.8.1): the
// RRSIG's value without the signature, then the RRset in canonical form
// and order with the original TTL. owner is the name the records are
// signed under (the wildcard for an expanded answer).
func signedData(b []byte, sig RRSIG, owner string, rrset []RR) []byte {
	b = sig.appendHead(b)
	if len(rrset) == 1 { // most RRsets: nothing to order
		b = appendSignedHeader(b, owner, sig)
		n := len(b)
		b = appendRdata(append(b, 0, 0), rrset[0].Data)
		binary.BigEndian.PutUint16(b[n:], uint16(len(b)-n-2))
		return b
	}
	datas := make([][]byte, len(rrset))
	for i, rr := range rrset {
		datas[i] = appendRdata(nil, rr.Data)
	}
	slices.SortFunc(datas, bytes.Compare)
	datas = slices.CompactFunc(datas, bytes.Equal)
	for _, d := range datas {
		b = appendSignedHeader(b, owner, sig)
		b = append(b, byte(len(d)>>8), byte(len(d)))
		b = append(b, d...)
	}
	return b
}

// appendSignedHeader appends a record's owner, type, class and original
// TTL as the signed data holds them.
func appendSignedHeader(b []byte, owner string, sig RRSIG) []byte {
	b = wire.AppendName(b, owner)
	b = append(b, byte(sig.TypeCovered>>8), byte(sig.TypeCovered), 0, byte(ClassINET))
	return binary.BigEndian.AppendUint32(b, sig.OrigTTL)
}

// Sign returns the RRSIG record over rrset (records of one name and type)
// valid from inception to expiration (seconds since 1970). ECDSA
// signatures are deterministic (RFC 6979), as Ed25519's are by design:
// signing depends on no random source at signing time, and the same data
// signed at the same time gets the same signature.
func (k *Key) Sign(rrset []RR, inception, expiration uint32) (RR, error) {
	var sc signScratch
	return sc.sign(k, k.Tag(), rrset, inception, expiration)
}

// signatureSize is the length of the signatures of both supported
// algorithms: r and s of 32 octets each for ECDSA P-256 (RFC 6605), 64
// octets for Ed25519 (RFC 8080).
const signatureSize = 64

// signScratch holds what signing reuses from one RRset to the next: the
// buffer of the signed data, and an array the signatures are cut from
// (when it runs out, each signature gets its own).
type signScratch struct {
	data []byte
	sigs []byte
}

// sign is [Key.Sign] with the key's tag computed.
func (sc *signScratch) sign(k *Key, tag uint16, rrset []RR, inception, expiration uint32) (RR, error) {
	if len(rrset) == 0 {
		return RR{}, fmt.Errorf("%w: empty RRset", ErrDNSSEC)
	}
	owner, t, ttl := rrset[0].Name, rrset[0].Type(), rrset[0].TTL
	labels := wire.CountLabels(owner)
	if strings.HasPrefix(owner, "*.") {
		labels--
	}
	sig := RRSIG{
		TypeCovered: t, Algorithm: k.DNSKEY.Algorithm, Labels: uint8(labels), OrigTTL: ttl,
		Expiration: expiration, Inception: inception, KeyTag: tag, SignerName: k.Zone,
	}
	sc.data = signedData(sc.data[:0], sig, owner, rrset)
	if len(sc.sigs) < signatureSize {
		sc.sigs = make([]byte, signatureSize)
	}
	out := sc.sigs[:signatureSize:signatureSize]
	switch p := k.signer.(type) {
	case *ecdsa.PrivateKey:
		sum := sha256.Sum256(sc.data)
		der, err := p.Sign(nil, sum[:], crypto.SHA256) // nil: RFC 6979
		if err != nil {
			return RR{}, err
		}
		if err := putECDSASignature(out, der); err != nil {
			return RR{}, err
		}
	case ed25519.PrivateKey:
		copy(out, ed25519.Sign(p, sc.data))
	default:
		return RR{}, fmt.Errorf("%w: key without a private part", ErrDNSSEC)
	}
	sc.sigs = sc.sigs[signatureSize:]
	sig.Signature = out
	return RR{Name: owner, TTL: ttl, Class: ClassINET, Data: sig}, nil
}

var errMalformedECDSA = fmt.Errorf("%w: malformed ECDSA signature", ErrDNSSEC)

// putECDSASignature writes an ASN.1 ECDSA signature (a SEQUENCE of the
// INTEGERs r and s) into out as DNSSEC carries it: r and s as big-endian
// numbers of half out's length each (RFC 6605 section 4).
func putECDSASignature(out, der []byte) error {
	bad := errMalformedECDSA
	if len(der) < 2 || der[0] != 0x30 || int(der[1]) != len(der)-2 || der[1] >= 0x80 {
		return bad
	}
	rest := der[2:]
	half := len(out) / 2
	for i := range 2 {
		if len(rest) < 2 || rest[0] != 0x02 || int(rest[1]) > len(rest)-2 {
			return bad
		}
		v := rest[2 : 2+int(rest[1])]
		rest = rest[2+len(v):]
		for len(v) > 0 && v[0] == 0 {
			v = v[1:]
		}
		if len(v) > half {
			return bad
		}
		dst := out[i*half : (i+1)*half]
		clear(dst)
		copy(dst[half-len(v):], v)
	}
	if len(rest) != 0 {
		return bad
	}
	return nil
}

// VerifySignature checks the signature sig over rrset with the key: the
// cryptography only (see [SignatureValidAt] for the validity period). The
// records' owner must match sig's label count, directly or as the
// expansion of a wildcard.
func VerifySignature(sig RRSIG, rrset []RR, key DNSKEY) error {
	if len(rrset) == 0 {
		return fmt.Errorf("%w: empty RRset", ErrDNSSEC)
	}
	if key.Flags&FlagZoneKey == 0 || key.Protocol != 3 {
		return fmt.Errorf("%w: DNSKEY is not a zone key", ErrDNSSEC)
	}
	if key.Algorithm != sig.Algorithm || KeyTag(key) != sig.KeyTag {
		return fmt.Errorf("%w: key does not match the signature", ErrDNSSEC)
	}
	owner := rrset[0].Name
	n := wire.CountLabels(owner)
	switch {
	case int(sig.Labels) > n:
		return fmt.Errorf("%w: RRSIG labels %d exceed the owner's %d", ErrDNSSEC, sig.Labels, n)
	case int(sig.Labels) < n:
		owner = "*." + wire.AncestorAt(owner, int(sig.Labels))
		if sig.Labels == 0 {
			owner = "*."
		}
	}
	data := signedData(nil, sig, owner, rrset)
	switch sig.Algorithm {
	case AlgorithmECDSAP256SHA256:
		if len(key.PublicKey) != 64 || len(sig.Signature) != 64 {
			return fmt.Errorf("%w: bad ECDSA key or signature length", ErrDNSSEC)
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append([]byte{4}, key.PublicKey...))
		if err != nil {
			return fmt.Errorf("%w: ECDSA key: %w", ErrDNSSEC, err)
		}
		sum := sha256.Sum256(data)
		r := new(big.Int).SetBytes(sig.Signature[:32])
		s := new(big.Int).SetBytes(sig.Signature[32:])
		if !ecdsa.Verify(pub, sum[:], r, s) {
			return fmt.Errorf("%w: signature does not verify", ErrDNSSEC)
		}
	case AlgorithmED25519:
		if len(key.PublicKey) != ed25519.PublicKeySize || len(sig.Signature) != ed25519.SignatureSize {
			return fmt.Errorf("%w: bad Ed25519 key or signature length", ErrDNSSEC)
		}
		if !ed25519.Verify(key.PublicKey, data, sig.Signature) {
			return fmt.Errorf("%w: signature does not verify", ErrDNSSEC)
		}
	default:
		return fmt.Errorf("%w: algorithm %v is not supported", ErrDNSSEC, sig.Algorithm)
	}
	return nil
}

// SignatureValidAt reports whether now lies between sig's inception and
// expiration, in the serial arithmetic of RFC 1982 (RFC 4034 section
// 3.1.5).
func SignatureValidAt(sig RRSIG, now time.Time) bool {
	t := uint32(now.Unix())
	return int32(t-sig.Inception) >= 0 && int32(sig.Expiration-t) >= 0
}
