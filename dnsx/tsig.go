package dnsx

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file holds TSIG keys (RFC 8945): shared secrets that sign zone
// transfers, NOTIFY and dynamic updates, read from BIND's key files or
// dig's -y form, and a client exchange signed with one.

// Response codes of TSIG (RFC 8945) and dynamic update (RFC 2136).
const (
	RcodeYXDomain Rcode = 6  // YXDOMAIN: a name that should not exist does
	RcodeYXRRSet  Rcode = 7  // YXRRSET: an RRset that should not exist does
	RcodeNXRRSet  Rcode = 8  // NXRRSET: an RRset that should exist does not
	RcodeNotAuth  Rcode = 9  // NOTAUTH: not authoritative, or the TSIG failed
	RcodeNotZone  Rcode = 10 // NOTZONE: a name outside the update's zone
	RcodeBadSig   Rcode = 16 // BADSIG: the TSIG's MAC does not verify (in the TSIG record)
	RcodeBadKey   Rcode = 17 // BADKEY: the TSIG key is unknown (in the TSIG record)
	RcodeBadTime  Rcode = 18 // BADTIME: signed outside the fudge window (in the TSIG record)
)

func init() {
	for r, name := range map[Rcode]string{RcodeYXDomain: "YXDOMAIN", RcodeYXRRSet: "YXRRSET",
		RcodeNXRRSet: "NXRRSET", RcodeNotAuth: "NOTAUTH", RcodeNotZone: "NOTZONE"} {
		rcodeNames[r] = name
	}
}

// DefaultTSIGFudge is the time window of a signature: a message signed
// more than that away from the receiver's clock is refused (BADTIME).
const DefaultTSIGFudge = 300 * time.Second

// TSIG errors: a signature that does not verify, with the TSIG error a
// server answers it with. Match them with errors.Is.
var (
	ErrBadKey  = wire.ErrBadKey
	ErrBadSig  = wire.ErrBadSig
	ErrBadTime = wire.ErrBadTime
	// ErrUnsigned is returned when a response that should carry a TSIG
	// does not.
	ErrUnsigned = errors.New("dnsx: response not signed")
)

// TSIGKey is a TSIG key: a secret shared by a server and its clients
// (secondaries, updaters), under a name both know it by.
type TSIGKey struct {
	// Name is the key's name, a domain name ("xfr-key.").
	Name string
	// Algorithm is the HMAC: "hmac-sha256." (the default when empty),
	// "hmac-sha384." or "hmac-sha512.".
	Algorithm string
	// Secret is the shared secret (base64 in key files).
	Secret []byte
}

// Canonical returns k with canonical names and the default algorithm,
// or an error saying what is wrong with it.
func (k TSIGKey) Canonical() (TSIGKey, error) {
	name, err := CanonicalName(k.Name)
	if err != nil {
		return k, fmt.Errorf("%w: TSIG key name: %w", ErrBadConfig, err)
	}
	alg, err := CanonicalName(cmpOr(strings.ToLower(k.Algorithm), "hmac-sha256."))
	if err != nil {
		return k, fmt.Errorf("%w: TSIG key %s: algorithm: %w", ErrBadConfig, name, err)
	}
	if _, ok := wire.TSIGHash(alg); !ok {
		return k, fmt.Errorf("%w: TSIG key %s: algorithm %s (want hmac-sha256, hmac-sha384 or hmac-sha512)", ErrBadConfig, name, alg)
	}
	if len(k.Secret) == 0 {
		return k, fmt.Errorf("%w: TSIG key %s: empty secret", ErrBadConfig, name)
	}
	return TSIGKey{Name: name, Algorithm: alg, Secret: k.Secret}, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// String returns the key in dig's -y form, algorithm:name:secret.
func (k TSIGKey) String() string {
	return strings.TrimSuffix(cmpOr(k.Algorithm, "hmac-sha256."), ".") + ":" + strings.TrimSuffix(k.Name, ".") + ":" + base64.StdEncoding.EncodeToString(k.Secret)
}

// ParseTSIGKey reads a key in the form of dig and nsupdate's -y option,
// "[algorithm:]name:base64secret" (algorithm hmac-sha256 when omitted),
// also accepting "name:algorithm:secret".
func ParseTSIGKey(s string) (TSIGKey, error) {
	parts := strings.Split(s, ":")
	var k TSIGKey
	var secret string
	switch {
	case len(parts) == 2:
		k.Name, secret = parts[0], parts[1]
	case len(parts) == 3 && strings.HasPrefix(strings.ToLower(parts[1]), "hmac-"):
		k.Name, k.Algorithm, secret = parts[0], parts[1], parts[2]
	case len(parts) == 3:
		k.Algorithm, k.Name, secret = parts[0], parts[1], parts[2]
	default:
		return k, fmt.Errorf("%w: TSIG key %q: want [algorithm:]name:secret", ErrBadConfig, s)
	}
	var err error
	if k.Secret, err = base64.StdEncoding.DecodeString(secret); err != nil {
		return k, fmt.Errorf("%w: TSIG key %s: secret: %w", ErrBadConfig, k.Name, err)
	}
	return k.Canonical()
}

// maxKeyFile bounds a key file.
const maxKeyFile = 1 << 20

// ReadTSIGKeys reads the key statements of a BIND configuration or key
// file (as tsig-keygen writes them):
//
//	key "xfr-key" {
//		algorithm hmac-sha256;
//		secret "base64secret";
//	};
//
// Comments (#, //, /* */) are skipped; other statements are an error.
func ReadTSIGKeys(r io.Reader) ([]TSIGKey, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxKeyFile {
		return nil, fmt.Errorf("%w: key file larger than %d bytes", ErrBadConfig, maxKeyFile)
	}
	toks := keyFileTokens(string(b))
	bad := func(why string) error { return fmt.Errorf("%w: key file: %s", ErrBadConfig, why) }
	next := func() string {
		if len(toks) == 0 {
			return ""
		}
		t := toks[0]
		toks = toks[1:]
		return t
	}
	var keys []TSIGKey
	for len(toks) > 0 {
		if t := next(); t != "key" {
			return nil, bad(fmt.Sprintf("%q where a key statement should start", t))
		}
		var k TSIGKey
		k.Name = strings.Trim(next(), `"`)
		if next() != "{" {
			return nil, bad("key " + k.Name + ": missing {")
		}
		var secret string
		for t := next(); t != "}"; t = next() {
			v := strings.Trim(next(), `"`)
			if next() != ";" {
				return nil, bad("key " + k.Name + ": missing ; after " + t)
			}
			switch t {
			case "algorithm":
				k.Algorithm = v
			case "secret":
				secret = v
			case "":
				return nil, bad("key " + k.Name + ": missing }")
			default:
				return nil, bad("key " + k.Name + ": unknown clause " + t)
			}
		}
		if t := next(); t != ";" {
			return nil, bad("key " + k.Name + ": missing ; after }")
		}
		if k.Secret, err = base64.StdEncoding.DecodeString(secret); err != nil {
			return nil, bad("key " + k.Name + ": secret: " + err.Error())
		}
		if k, err = k.Canonical(); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// keyFileSpace are the octets that separate words in a key file.
const keyFileSpace = " \t\n\r\v\f"

// keyFileTokens splits a BIND configuration into words, quoted strings
// and the punctuation { } ;, without comments.
func keyFileTokens(s string) []string {
	var out []string
	for len(s) > 0 {
		switch {
		case strings.IndexByte(keyFileSpace, s[0]) >= 0:
			s = s[1:]
		case s[0] == '#' || strings.HasPrefix(s, "//"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return out
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return out
			}
			s = s[i+2:]
		case s[0] == '{' || s[0] == '}' || s[0] == ';':
			out = append(out, s[:1])
			s = s[1:]
		case s[0] == '"':
			i := strings.IndexByte(s[1:], '"')
			if i < 0 {
				return append(out, s)
			}
			out = append(out, s[:i+2])
			s = s[i+2:]
		default:
			i := strings.IndexAny(s, keyFileSpace+"{};\"#")
			if i < 0 {
				i = len(s)
			}
			out = append(out, s[:i])
			s = s[i:]
		}
	}
	return out
}

// LoadTSIGKeys reads the key statements of the file at path (see
// ReadTSIGKeys).
func LoadTSIGKeys(path string) ([]TSIGKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	keys, err := ReadTSIGKeys(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return keys, nil
}

// ExchangeTSIG sends q to the server at addr signed with key, over UDP
// (TCP when the response is truncated, or when tcp is set), and returns
// the response once its signature verifies. A server that refuses the
// signature answers NOTAUTH with an unsigned TSIG: that response is
// returned with an error wrapping ErrBadKey, ErrBadSig or ErrBadTime.
func ExchangeTSIG(ctx context.Context, addr netip.AddrPort, q *Msg, key TSIGKey, tcp bool) (*Msg, error) {
	k, err := key.Canonical()
	if err != nil {
		return nil, err
	}
	b, err := packQuery(q)
	if err != nil {
		return nil, err
	}
	return exchangeSigned(ctx, addr, b, k, tcp)
}

// ExchangeUpdate sends the dynamic update u to the server at addr,
// signed with key (RFC 3007), and returns the server's rcode once the
// response's signature verifies: NOERROR when the update was applied.
func ExchangeUpdate(ctx context.Context, addr netip.AddrPort, u *Update, key TSIGKey) (Rcode, error) {
	k, err := key.Canonical()
	if err != nil {
		return 0, err
	}
	b, err := u.Pack()
	if err != nil {
		return 0, err
	}
	m, err := exchangeSigned(ctx, addr, b, k, false)
	if m == nil {
		return 0, err
	}
	return m.Rcode, err
}

// exchangeSigned signs the message b with the canonical key k, sends it
// and verifies the response.
func exchangeSigned(ctx context.Context, addr netip.AddrPort, b []byte, k TSIGKey, tcp bool) (*Msg, error) {
	signed, mac, err := wire.SignTSIG(b, wire.TSIGKey(k), wire.Signing{}, uint64(time.Now().Unix()), uint16(DefaultTSIGFudge/time.Second), 0, nil)
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
	}
	ap := addr
	var raw []byte
	if !tcp {
		raw, err = exchangeUDP(ctx, ap, signed)
		if err == nil && len(raw) > 2 && raw[2]&0x02 != 0 { // TC
			tcp = true
		}
	}
	if err != nil {
		return nil, fmt.Errorf("dnsx: exchange with %s: %w", ap, err)
	}
	if tcp {
		if raw, err = exchangeTCPRaw(ctx, ap, signed); err != nil {
			return nil, err
		}
	}
	return verifyResponse(raw, k, mac)
}

// verifyResponse unpacks raw, the response to a request signed with MAC
// mac, once its TSIG verifies.
func verifyResponse(raw []byte, k TSIGKey, mac []byte) (*Msg, error) {
	t, found, err := wire.FindTSIG(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if !found {
		m, err := Unpack(raw)
		if err != nil {
			return nil, err
		}
		return m, fmt.Errorf("%w (rcode %v)", ErrUnsigned, m.Rcode)
	}
	m, err := Unpack(wire.StripTSIG(raw, t))
	if err != nil {
		return nil, err
	}
	switch t.Error {
	case wire.RcodeBadKey:
		return m, fmt.Errorf("dnsx: server refused key %s: %w", k.Name, ErrBadKey)
	case wire.RcodeBadSig:
		return m, fmt.Errorf("dnsx: server refused the signature of %s: %w", k.Name, ErrBadSig)
	case wire.RcodeBadTime:
		return m, fmt.Errorf("dnsx: server refused the time of the signature: %w", ErrBadTime)
	}
	if t.Key != k.Name {
		return m, fmt.Errorf("dnsx: response signed with key %s, not %s: %w", t.Key, k.Name, ErrBadKey)
	}
	if err := wire.VerifyTSIG(raw, t, wire.TSIGKey(k), wire.Signing{RequestMAC: mac}); err != nil {
		return m, fmt.Errorf("dnsx: response: %w", err)
	}
	if err := wire.CheckTime(t, uint64(time.Now().Unix()), t.Fudge); err != nil {
		return m, fmt.Errorf("dnsx: response: %w", err)
	}
	return m, nil
}
