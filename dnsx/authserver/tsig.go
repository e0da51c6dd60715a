package authserver

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file holds TSIG (RFC 8945) on the server: requests signed with a
// key the server knows are verified (MAC first, then time), answered
// with a signature over the response, and a failure is answered NOTAUTH
// with the TSIG error (BADKEY, BADSIG, BADTIME). Zone transfers sign
// every message, each chained to the MAC of the one before.

// DefaultMaxTSIGFudge is the default of TSIGConfig.MaxFudge.
const DefaultMaxTSIGFudge = dnsx.DefaultTSIGFudge

// TSIGConfig configures transaction signatures: the keys the server
// knows and what each may do. Zero: no keys, and signed requests are
// answered BADKEY.
type TSIGConfig struct {
	// Keys are the keys the server verifies requests with and signs
	// their responses with; names must be distinct.
	Keys []dnsx.TSIGKey
	// MaxFudge caps the time window of a signed request: a request is
	// accepted within the smaller of its own fudge and MaxFudge of the
	// server's clock, so a message replayed later is refused (BADTIME).
	// It is also the fudge of the server's signatures. Default 300 s.
	MaxFudge time.Duration
	// TransferKeys names the keys that may transfer every zone (AXFR,
	// IXFR), from any address.
	TransferKeys []string
	// TransferNeedsKey refuses unsigned transfer requests even from
	// Config.AllowTransfer's networks: only TransferKeys may transfer.
	TransferNeedsKey bool
	// NotifyKey, if set, names the key that signs the NOTIFYs the
	// server sends to Config.Notify.
	NotifyKey string
}

// validate checks c, naming the field.
func (c TSIGConfig) validate() error {
	bad := func(field, why string) error {
		return fmt.Errorf("%w: authserver.Config.TSIG.%s %s", dnsx.ErrBadConfig, field, why)
	}
	names := map[string]bool{}
	for i, k := range c.Keys {
		ck, err := k.Canonical()
		if err != nil {
			return bad(fmt.Sprintf("Keys[%d]", i), err.Error())
		}
		if names[ck.Name] {
			return bad(fmt.Sprintf("Keys[%d]", i), "repeats the name "+ck.Name)
		}
		names[ck.Name] = true
	}
	for i, n := range append(slices.Clone(c.TransferKeys), c.NotifyKey) {
		if n == "" && i == len(c.TransferKeys) {
			continue
		}
		cn, err := dnsx.CanonicalName(n)
		if err != nil || !names[cn] {
			return bad("TransferKeys/NotifyKey", fmt.Sprintf("names %q, not one of Keys", n))
		}
	}
	if c.MaxFudge < 0 || c.MaxFudge > 0xffff*time.Second {
		return bad("MaxFudge", "must be in 0..65535 s")
	}
	return nil
}

// OpsStats counts what TSIG, dynamic update and the encrypted transports
// did; it is part of [Stats].
type OpsStats struct {
	Signed        uint64 // signed requests whose signature verified
	TSIGBadKey    uint64 // signed requests refused: key unknown (BADKEY)
	TSIGBadSig    uint64 // signed requests refused: MAC wrong (BADSIG)
	TSIGBadTime   uint64 // signed requests refused: outside the fudge window (BADTIME), replays among them
	Updates       uint64 // dynamic updates applied
	UpdateRefused uint64 // dynamic updates refused: unsigned, or outside the key's policy
	UpdateFailed  uint64 // dynamic updates whose prerequisites failed, or that did not apply
	DoH           uint64 // DoH requests answered
	DoHRefused    uint64 // DoH requests refused: bad method, base64url, content type or size
	DoQ           uint64 // DoQ queries answered
	DoQRefused    uint64 // DoQ streams refused: a nonzero message ID, or not a query this server answers
	CookiesGood   uint64 // queries with a valid server cookie, where RRL applies (they are exempt from it)
	CookiesBad    uint64 // queries with a server cookie that did not verify, where RRL applies (answered with a fresh one)
}

// opsCounters are OpsStats' counters.
type opsCounters struct {
	signed, badKey, badSig, badTime, updates, updateRefused, updateFailed, doh, dohRefused, doq, doqRefused, cookiesGood, cookiesBad atomic.Uint64
}

func (c *opsCounters) snapshot() OpsStats {
	return OpsStats{Signed: c.signed.Load(), TSIGBadKey: c.badKey.Load(), TSIGBadSig: c.badSig.Load(),
		TSIGBadTime: c.badTime.Load(), Updates: c.updates.Load(), UpdateRefused: c.updateRefused.Load(),
		UpdateFailed: c.updateFailed.Load(), DoH: c.doh.Load(), DoHRefused: c.dohRefused.Load(),
		DoQ: c.doq.Load(), DoQRefused: c.doqRefused.Load(),
		CookiesGood: c.cookiesGood.Load(), CookiesBad: c.cookiesBad.Load()}
}

// tsigState is the server's keys, by canonical name, and what each may
// do.
type tsigState struct {
	keys     map[string]wire.TSIGKey
	transfer map[string]bool
	fudge    uint16
	notify   *wire.TSIGKey
	policy   []UpdateRule // canonical
	updateMu sync.Mutex   // serialises dynamic updates
	// compilePending marks the zones whose answers will be compiled
	// after a burst of updates, under updateMu.
	compilePending map[string]bool
	cookieSecret   [16]byte // the key of server cookies (cookie.go)
}

// newTSIGState builds the keys and policy of a validated cfg.
func newTSIGState(cfg Config) *tsigState {
	c := cfg.TSIG
	t := &tsigState{keys: map[string]wire.TSIGKey{}, transfer: map[string]bool{}, policy: cfg.Update.policy(), compilePending: map[string]bool{}, cookieSecret: newCookieSecret(cfg.Cookies),
		fudge: uint16(cmp.Or(c.MaxFudge, DefaultMaxTSIGFudge) / time.Second)}
	for _, k := range c.Keys {
		ck, _ := k.Canonical()
		t.keys[ck.Name] = wire.TSIGKey(ck)
	}
	for _, n := range c.TransferKeys {
		cn, _ := dnsx.CanonicalName(n)
		t.transfer[cn] = true
	}
	if c.NotifyKey != "" {
		cn, _ := dnsx.CanonicalName(c.NotifyKey)
		k := t.keys[cn]
		t.notify = &k
	}
	return t
}

// signedReq is the outcome of checking a request's TSIG.
type signedReq struct {
	found bool         // the request carries a TSIG
	t     wire.TSIG    // the TSIG record
	key   wire.TSIGKey // the key, when it verified
	err   uint16       // TSIG error to answer with, 0 when it verified
	body  []byte       // the request without its TSIG
}

// checkTSIG verifies the TSIG of request b, if it has one: the key must
// be known, the MAC right, and the time within the window (in that
// order, RFC 8945 section 5.2). A TSIG that does not parse is an error
// (FORMERR).
func (s *Server) checkTSIG(b []byte, now int64) (signedReq, error) {
	t, found, err := wire.FindTSIG(b)
	if err != nil || !found {
		return signedReq{body: b}, err
	}
	r := signedReq{found: true, t: t, body: wire.StripTSIG(b, t)}
	key, ok := s.tsig.keys[t.Key]
	switch {
	case !ok || key.Algorithm != t.Algorithm:
		s.ops.badKey.Add(1)
		r.err = wire.RcodeBadKey
	case wire.VerifyTSIG(b, t, key, wire.Signing{}) != nil:
		s.ops.badSig.Add(1)
		r.err = wire.RcodeBadSig
	case wire.CheckTime(t, uint64(now), min(t.Fudge, s.tsig.fudge)) != nil:
		s.ops.badTime.Add(1)
		r.err, r.key = wire.RcodeBadTime, key
	default:
		s.ops.signed.Add(1)
		r.key = key
	}
	return r, nil
}

// signResponse signs resp, the answer to the verified request r (or the
// error answer to one that failed), as RFC 8945 section 5.3 says: BADKEY
// and BADSIG answers carry the error in an unsigned TSIG; BADTIME answers
// are signed and carry the server's time.
func (s *Server) signResponse(resp []byte, r signedReq, now int64) []byte {
	if resp == nil || !r.found {
		return resp
	}
	key, other, ts := r.key, []byte(nil), uint64(now)
	switch r.err {
	case wire.RcodeBadKey, wire.RcodeBadSig:
		key = wire.TSIGKey{Name: r.t.Key, Algorithm: r.t.Algorithm}
	case wire.RcodeBadTime:
		other = []byte{byte(now >> 40), byte(now >> 32), byte(now >> 24), byte(now >> 16), byte(now >> 8), byte(now)}
		ts = r.t.TimeSigned
	}
	signed, _, err := wire.SignTSIG(resp, key, wire.Signing{RequestMAC: r.t.MAC}, ts, s.tsig.fudge, r.err, other)
	if err != nil {
		return resp
	}
	return signed
}

// respondSigned answers a request that carries a TSIG (a query, a
// transfer or a NOTIFY): it verifies the signature, answers from the
// request without it, and signs the answer. A transfer is handed back to
// the TCP server, which signs each message (see signedEmit).
func (s *Server) respondSigned(st *counters, b []byte, q *wire.Query, client clientInfo, out []byte) ([]byte, *wire.Query) {
	now := time.Now().Unix()
	r, err := s.checkTSIG(b, now)
	if err != nil {
		st.formErr.Add(1)
		return s.sent(st, wire.WriteBare(out, b, q, dnsx.RcodeFormErr, 0, 0)), nil
	}
	if r.err != 0 {
		return s.sent(st, s.signResponse(wire.WriteBare(out, b, q, dnsx.RcodeNotAuth, 0, 0), r, now)), nil
	}
	if q.QType == uint16(dnsx.TypeAXFR) || q.QType == uint16(dnsx.TypeIXFR) {
		allowed := s.tsig.transfer[r.t.Key] || client.mayTransfer
		if client.tcp && allowed && s.set.Load().findZone(q) != nil {
			qc := *q
			return nil, &qc
		}
		st.refused.Add(1)
		return s.sent(st, s.signResponse(wire.WriteBare(out, b, q, dnsx.RcodeRefused, 0, 0), r, now)), nil
	}
	// Answer the request without its TSIG, then sign the answer; respond
	// counts the query and the answer again, so take those back.
	resp, _ := s.respond(st, r.body, 0, client.addr, client.tcp, false, now, out)
	st.queries.Add(^uint64(0))
	st.bytesIn.Add(^uint64(len(r.body) - 1))
	if resp != nil {
		st.answered.Add(^uint64(0))
		st.bytesOut.Add(^uint64(len(resp) - 1))
	}
	return s.sent(st, s.signResponse(resp, r, now)), nil
}

// signedEmit wraps emit, the sink of a transfer's messages, so that every
// message is signed when the transfer request raw was: the first with the
// request's MAC, each later one with the MAC of the one before and the
// timers only (RFC 8945 section 5.3.1). An unsigned request keeps emit.
func (s *Server) signedEmit(raw []byte, emit func([]byte) error) func([]byte) error {
	now := time.Now().Unix()
	r, err := s.checkTSIG(raw, now)
	if err != nil || !r.found || r.err != 0 {
		return emit
	}
	s.ops.signed.Add(^uint64(0)) // counted once, in respondSigned
	prev, first := r.t.MAC, true
	return func(b []byte) error {
		signed, mac, err := wire.SignTSIG(b, r.key, wire.Signing{RequestMAC: prev, TimersOnly: !first}, uint64(time.Now().Unix()), s.tsig.fudge, 0, nil)
		if err != nil {
			return err
		}
		prev, first = mac, false
		return emit(signed)
	}
}

// clientInfo is what respond knows of a request's client.
type clientInfo struct {
	addr        netip.AddrPort
	tcp         bool
	mayTransfer bool
}

// TransferTSIG is Transfer (cur nil) or TransferIncremental (cur set)
// with the query signed by key, and every message of the response
// verified with it, each chained to the MAC of the one before.
func TransferTSIG(ctx context.Context, primary netip.AddrPort, origin string, cur *dnsx.Zone, key dnsx.TSIGKey) (*dnsx.Zone, error) {
	k, err := key.Canonical()
	if err != nil {
		return nil, err
	}
	o, err := dnsx.CanonicalName(origin)
	if err != nil {
		return nil, err
	}
	q := transferQuery(o, cur)
	wk := wire.TSIGKey(k)
	rrs, err := transferRecords(ctx, primary, q, &wk)
	if err != nil {
		return nil, err
	}
	return transferResult(q, cur, rrs)
}

// transferVerifier checks the TSIG of each message of a transfer
// response in turn.
type transferVerifier struct {
	key   wire.TSIGKey
	prev  []byte // the MAC the next message chains to
	first bool
}

// signTransferQuery signs the transfer query b with key.
func signTransferQuery(b []byte, key wire.TSIGKey) ([]byte, *transferVerifier, error) {
	signed, mac, err := wire.SignTSIG(b, key, wire.Signing{}, uint64(time.Now().Unix()), uint16(DefaultMaxTSIGFudge/time.Second), 0, nil)
	if err != nil {
		return nil, nil, err
	}
	return signed, &transferVerifier{key: key, prev: mac, first: true}, nil
}

// next verifies the message raw and returns it without its TSIG. Every
// message must be signed, as this server and BIND sign them (RFC 8945
// allows up to 99 unsigned ones between signed ones; they are refused).
func (v *transferVerifier) next(raw []byte) ([]byte, error) {
	t, found, err := wire.FindTSIG(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: %w", dnsx.ErrFormat, err)
	case !found:
		return nil, dnsx.ErrUnsigned
	case t.Error == wire.RcodeBadKey:
		return nil, fmt.Errorf("server refused key %s: %w", v.key.Name, dnsx.ErrBadKey)
	case t.Error == wire.RcodeBadSig:
		return nil, fmt.Errorf("server refused the signature: %w", dnsx.ErrBadSig)
	case t.Error == wire.RcodeBadTime:
		return nil, fmt.Errorf("server refused the time: %w", dnsx.ErrBadTime)
	case t.Key != v.key.Name:
		return nil, fmt.Errorf("signed with key %s, not %s: %w", t.Key, v.key.Name, dnsx.ErrBadKey)
	}
	if err := wire.VerifyTSIG(raw, t, v.key, wire.Signing{RequestMAC: v.prev, TimersOnly: !v.first}); err != nil {
		return nil, err
	}
	if err := wire.CheckTime(t, uint64(time.Now().Unix()), t.Fudge); err != nil {
		return nil, err
	}
	v.prev, v.first = t.MAC, false
	return wire.StripTSIG(raw, t), nil
}
