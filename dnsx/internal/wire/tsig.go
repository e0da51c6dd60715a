package wire

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// This file signs and verifies messages with TSIG (RFC 8945): an HMAC
// over the message's octets, the MAC of the request it answers, and the
// TSIG record's variables, appended as the last additional record.

// Numbers of RFC 8945.
const (
	TypeTSIG      = 250
	classANY      = 255
	RcodeNotAuth  = 9
	RcodeBadSig   = 16
	RcodeBadKey   = 17
	RcodeBadTime  = 18
	RcodeBadTrunc = 22
)

// Errors of TSIG verification; each stands for the TSIG error code a
// server answers with.
var (
	ErrTSIGFormat = errors.New("malformed TSIG record")
	ErrBadKey     = errors.New("TSIG key unknown (BADKEY)")
	ErrBadSig     = errors.New("TSIG signature does not verify (BADSIG)")
	ErrBadTime    = errors.New("TSIG time outside the fudge window (BADTIME)")
)

// TSIGKey is a shared secret: the key's name and algorithm (canonical
// names, "hmac-sha256.") and its octets.
type TSIGKey struct {
	Name      string
	Algorithm string
	Secret    []byte
}

// TSIGHash returns the hash of an HMAC algorithm name of RFC 8945 that
// this package signs with (hmac-sha256, hmac-sha384, hmac-sha512).
func TSIGHash(alg string) (func() hash.Hash, bool) {
	switch alg {
	case "hmac-sha256.":
		return sha256.New, true
	case "hmac-sha384.":
		return sha512.New384, true
	case "hmac-sha512.":
		return sha512.New, true
	}
	return nil, false
}

// TSIG is a parsed TSIG record and where it starts in its message.
type TSIG struct {
	Key        string // the key's name, canonical
	Algorithm  string // canonical
	TimeSigned uint64 // seconds since 1970 (48 bits)
	Fudge      uint16 // seconds of clock difference allowed
	MAC        []byte
	OrigID     uint16
	Error      uint16
	Other      []byte
	Start      int // offset of the record in the message
}

// FindTSIG returns the TSIG record of message b: found is false when b
// has none. It fails when a TSIG record is not the last additional
// record, or does not parse.
func FindTSIG(b []byte) (t TSIG, found bool, err error) {
	_, rrs, err := WalkRecords(b)
	if err != nil {
		return t, false, err
	}
	return findTSIG(b, rrs)
}

// findTSIG is FindTSIG on walked records.
func findTSIG(b []byte, rrs []RawRecord) (t TSIG, found bool, err error) {
	if len(rrs) == 0 {
		return t, false, nil
	}
	ar := int(binary.BigEndian.Uint16(b[10:]))
	for i, r := range rrs[:len(rrs)-1] {
		if r.Type == TypeTSIG {
			return t, false, fmt.Errorf("%w: record %d of %d", ErrTSIGFormat, i+1, len(rrs))
		}
	}
	last := rrs[len(rrs)-1]
	if last.Type != TypeTSIG {
		return t, false, nil
	}
	if ar == 0 || last.Class != classANY || last.TTL != 0 {
		return t, false, fmt.Errorf("%w: not in the additional section with class ANY and TTL 0", ErrTSIGFormat)
	}
	t, err = parseTSIG(b, last)
	return t, err == nil, err
}

// parseTSIG reads the value of a TSIG record: algorithm name, time
// signed (48 bits), fudge, MAC, original ID, error, other data.
func parseTSIG(b []byte, r RawRecord) (TSIG, error) {
	t := TSIG{Key: r.Name, Start: r.Start}
	end := r.RdataOff + len(r.Rdata)
	alg, off, err := ReadName(b[:end], r.RdataOff)
	if err != nil || off+10 > end {
		return t, fmt.Errorf("%w: algorithm", ErrTSIGFormat)
	}
	t.Algorithm = alg
	t.TimeSigned = uint64(binary.BigEndian.Uint16(b[off:]))<<32 | uint64(binary.BigEndian.Uint32(b[off+2:]))
	t.Fudge = binary.BigEndian.Uint16(b[off+6:])
	ml := int(binary.BigEndian.Uint16(b[off+8:]))
	off += 10
	if off+ml+6 > end {
		return t, fmt.Errorf("%w: MAC of %d octets", ErrTSIGFormat, ml)
	}
	t.MAC = b[off : off+ml]
	off += ml
	t.OrigID = binary.BigEndian.Uint16(b[off:])
	t.Error = binary.BigEndian.Uint16(b[off+2:])
	ol := int(binary.BigEndian.Uint16(b[off+4:]))
	off += 6
	if off+ol != end {
		return t, fmt.Errorf("%w: other data of %d octets", ErrTSIGFormat, ol)
	}
	t.Other = b[off:end]
	return t, nil
}

// Signing is what one TSIG signature covers besides the message: the MAC
// of the request (or of the previous message of a transfer) it answers,
// and whether only the timers are signed (the second and later messages
// of a transfer, RFC 8945 section 5.3.1).
type Signing struct {
	RequestMAC []byte
	TimersOnly bool
}

// mac computes the TSIG MAC of msg (without its TSIG record, its ID the
// original one) under key, with t's variables.
func mac(key TSIGKey, msg []byte, t *TSIG, s Signing) ([]byte, error) {
	h, ok := TSIGHash(key.Algorithm)
	if !ok {
		return nil, fmt.Errorf("%w: algorithm %s", ErrBadKey, key.Algorithm)
	}
	m := hmac.New(h, key.Secret)
	var n [2]byte
	if s.RequestMAC != nil {
		binary.BigEndian.PutUint16(n[:], uint16(len(s.RequestMAC)))
		m.Write(n[:])
		m.Write(s.RequestMAC)
	}
	m.Write(msg)
	if !s.TimersOnly {
		m.Write(Name(t.Key))
		m.Write([]byte{0, classANY, 0, 0, 0, 0})
		m.Write(Name(t.Algorithm))
	}
	var v [8]byte
	binary.BigEndian.PutUint16(v[:], uint16(t.TimeSigned>>32))
	binary.BigEndian.PutUint32(v[2:], uint32(t.TimeSigned))
	binary.BigEndian.PutUint16(v[6:], t.Fudge)
	m.Write(v[:])
	if !s.TimersOnly {
		binary.BigEndian.PutUint16(v[:], t.Error)
		binary.BigEndian.PutUint16(v[2:], uint16(len(t.Other)))
		m.Write(v[:4])
		m.Write(t.Other)
	}
	return m.Sum(nil), nil
}

// SignTSIG appends to msg (a whole message without TSIG) a TSIG record
// signed with key at time now with the given fudge, error code and other
// data, and returns the signed message and its MAC (the request MAC of
// the answer, or of the next message of a transfer). With errCode BADKEY
// or BADSIG the record carries no MAC (RFC 8945 section 5.3.2).
func SignTSIG(msg []byte, key TSIGKey, s Signing, now uint64, fudge, errCode uint16, other []byte) (signed, sig []byte, err error) {
	if len(msg) < HeaderLen {
		return nil, nil, fmt.Errorf("%w: message of %d octets", ErrTSIGFormat, len(msg))
	}
	t := TSIG{Key: key.Name, Algorithm: key.Algorithm, TimeSigned: now, Fudge: fudge, Error: errCode, Other: other}
	if errCode != RcodeBadKey && errCode != RcodeBadSig {
		if sig, err = mac(key, msg, &t, s); err != nil {
			return nil, nil, err
		}
	}
	out := make([]byte, 0, len(msg)+len(key.Name)+len(key.Algorithm)+len(sig)+len(other)+30)
	out = append(out, msg...)
	out = append(out, Name(key.Name)...)
	out = append(out, 0, TypeTSIG, 0, classANY, 0, 0, 0, 0, 0, 0)
	lenAt := len(out) - 2
	out = append(out, Name(key.Algorithm)...)
	out = append(out, byte(now>>40), byte(now>>32), byte(now>>24), byte(now>>16), byte(now>>8), byte(now),
		byte(fudge>>8), byte(fudge), byte(len(sig)>>8), byte(len(sig)))
	out = append(out, sig...)
	out = append(out, msg[0], msg[1], byte(errCode>>8), byte(errCode), byte(len(other)>>8), byte(len(other)))
	out = append(out, other...)
	binary.BigEndian.PutUint16(out[lenAt:], uint16(len(out)-lenAt-2))
	binary.BigEndian.PutUint16(out[10:], binary.BigEndian.Uint16(out[10:])+1)
	if len(out) > MaxMsgSize {
		return nil, nil, fmt.Errorf("%w: signed message of %d octets", ErrFormat, len(out))
	}
	return out, sig, nil
}

// VerifyTSIG checks the MAC of t, the TSIG record of msg, under key. It
// does not check the time (see CheckTime): RFC 8945 checks the MAC first.
func VerifyTSIG(msg []byte, t TSIG, key TSIGKey, s Signing) error {
	if t.Algorithm != key.Algorithm {
		return fmt.Errorf("%w: algorithm %s, the key's is %s", ErrBadKey, t.Algorithm, key.Algorithm)
	}
	h, _ := TSIGHash(key.Algorithm)
	if len(t.MAC) == 0 || len(t.MAC) > h().Size() || len(t.MAC) < max(10, h().Size()/2) {
		// RFC 8945 section 5.2.2.1: truncated MACs of at least half the
		// hash (and 10 octets) only.
		return fmt.Errorf("%w: MAC of %d octets", ErrBadSig, len(t.MAC))
	}
	body := make([]byte, t.Start)
	copy(body, msg[:t.Start])
	binary.BigEndian.PutUint16(body, t.OrigID)
	binary.BigEndian.PutUint16(body[10:], binary.BigEndian.Uint16(body[10:])-1)
	want, err := mac(key, body, &t, s)
	if err != nil {
		return err
	}
	if !hmac.Equal(want[:len(t.MAC)], t.MAC) {
		return ErrBadSig
	}
	return nil
}

// CheckTime reports ErrBadTime when t was signed more than fudge seconds
// away from now, either way.
func CheckTime(t TSIG, now uint64, fudge uint16) error {
	d := now - t.TimeSigned
	if t.TimeSigned > now {
		d = t.TimeSigned - now
	}
	if d > uint64(fudge) {
		return fmt.Errorf("%w: signed at %d, now %d, fudge %d s", ErrBadTime, t.TimeSigned, now, fudge)
	}
	return nil
}

// StripTSIG returns msg without its TSIG record t, with the additional
// count lowered and the original ID restored, in a new slice.
func StripTSIG(msg []byte, t TSIG) []byte {
	body := append([]byte(nil), msg[:t.Start]...)
	binary.BigEndian.PutUint16(body[10:], binary.BigEndian.Uint16(body[10:])-1)
	return body
}
