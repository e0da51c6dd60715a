package authserver

import (
	"fmt"

	"github.com/networkutopia/p2p/dnsx"
)

// This file is the registrar's part of DNSSEC: a signed TLD re-signed
// after every registration, and the DS records of signed domains.

// SignWith makes the registrar keep the TLD signed: every registration
// re-signs the zone with cfg (its NSEC or NSEC3 chain then covers the
// new delegation), and the zone is signed at once.
func (r *Registrar) SignWith(cfg dnsx.SignConfig) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.signer = &cfg
	z := r.server.Zone(r.tld)
	if z == nil {
		return fmt.Errorf("%w: the server no longer holds %s", dnsx.ErrBadConfig, r.tld)
	}
	signed, err := r.resign(z)
	if err != nil {
		return err
	}
	return r.server.SetZone(signed)
}

// resign signs z when the registrar keeps the TLD signed.
func (r *Registrar) resign(z *dnsx.Zone) (*dnsx.Zone, error) {
	if r.signer == nil {
		return z, nil
	}
	return dnsx.SignZone(z, *r.signer)
}

// RegisterSigned registers the signed zone child as Register does, and
// inserts into the TLD the DS record (digest type 2, SHA-256) of each of
// child's key-signing keys (DNSKEYs with the SEP flag, or every DNSKEY
// when none has it): the link of the chain of trust from the TLD to the
// domain.
func (r *Registrar) RegisterSigned(child *dnsx.Zone, servers ...NameServer) error {
	ds := DSRecords(child, DelegationTTL)
	if len(ds) == 0 {
		return fmt.Errorf("%w: %s is not signed", dnsx.ErrBadZone, child.Origin())
	}
	return r.register(child.Origin(), ds, servers)
}

// DSRecords returns the DS records (digest type 2) for the key-signing
// keys of the signed zone z: its DNSKEYs with the SEP flag, or all of
// them when none has it. An unsigned zone has none.
func DSRecords(z *dnsx.Zone, ttl uint32) []dnsx.RR {
	res, _ := z.Lookup(z.Origin(), dnsx.TypeDNSKEY)
	var sep, all []dnsx.RR
	for _, rr := range res.Answer {
		k, ok := rr.Data.(dnsx.DNSKEY)
		if !ok {
			continue
		}
		ds := dnsx.RR{Name: z.Origin(), TTL: ttl, Class: dnsx.ClassINET, Data: dnsx.MakeDS(z.Origin(), k)}
		all = append(all, ds)
		if k.Flags&dnsx.FlagSEP != 0 {
			sep = append(sep, ds)
		}
	}
	if len(sep) > 0 {
		return sep
	}
	return all
}
