package authserver

import (
	"fmt"
	"net/netip"
	"sync"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// DelegationTTL is the TTL of the NS and glue records a registrar inserts:
// two days, as TLD servers use.
const DelegationTTL = 172800

// NameServer is a server a domain is delegated to: its host name and, for
// the glue record, its address.
type NameServer struct {
	Host string
	Addr netip.Addr
}

// Registrar registers domains under a TLD: like the textbook's registrar,
// registering networkutopia.com with dns1.networkutopia.com at
// 212.212.212.1 inserts two records into the com zone of the TLD server,
// (networkutopia.com, dns1.networkutopia.com, NS) and the glue
// (dns1.networkutopia.com, 212.212.212.1, A), and bumps the zone's serial
// so secondaries transfer it. It is safe for concurrent use.
type Registrar struct {
	mu     sync.Mutex
	server *Server
	tld    string
	signer *dnsx.SignConfig // re-signs the TLD after each change; nil: unsigned
}

// NewRegistrar returns a registrar for the zone tld held by server.
func NewRegistrar(server *Server, tld string) (*Registrar, error) {
	o, err := dnsx.CanonicalName(tld)
	if err != nil {
		return nil, err
	}
	if server.Zone(o) == nil {
		return nil, fmt.Errorf("%w: the server holds no zone %s", dnsx.ErrBadConfig, o)
	}
	return &Registrar{server: server, tld: o}, nil
}

// Register delegates domain, a child of the TLD, to servers: an NS record
// for each, and a glue A (or AAAA) record for each server whose name lies
// inside the domain (others need none, and get none). A second
// registration of the same domain replaces the first.
func (r *Registrar) Register(domain string, servers ...NameServer) error {
	return r.register(domain, nil, servers)
}

// register is Register with the DS records of a signed domain.
func (r *Registrar) register(domain string, ds []dnsx.RR, servers []NameServer) error {
	d, err := dnsx.CanonicalName(domain)
	if err != nil {
		return err
	}
	if wire.ParentName(d) != r.tld {
		return fmt.Errorf("%w: %s is not a child of %s", dnsx.ErrBadZone, d, r.tld)
	}
	if len(servers) == 0 {
		return fmt.Errorf("%w: %s: a domain needs at least one name server", dnsx.ErrBadZone, d)
	}
	add := ds
	for _, s := range servers {
		host, err := dnsx.CanonicalName(s.Host)
		if err != nil {
			return err
		}
		add = append(add, dnsx.RR{Name: d, TTL: DelegationTTL, Class: dnsx.ClassINET, Data: dnsx.NS{Host: host}})
		if !dnsx.IsSubdomain(host, d) {
			continue
		}
		switch {
		case s.Addr.Is4() || s.Addr.Is4In6():
			add = append(add, dnsx.RR{Name: host, TTL: DelegationTTL, Class: dnsx.ClassINET, Data: dnsx.A{Addr: s.Addr.Unmap()}})
		case s.Addr.Is6():
			add = append(add, dnsx.RR{Name: host, TTL: DelegationTTL, Class: dnsx.ClassINET, Data: dnsx.AAAA{Addr: s.Addr}})
		default:
			return fmt.Errorf("%w: %s lies inside %s and needs a glue address", dnsx.ErrBadZone, host, d)
		}
	}
	return r.update(d, add)
}

// Unregister removes domain's delegation and glue.
func (r *Registrar) Unregister(domain string) error {
	d, err := dnsx.CanonicalName(domain)
	if err != nil {
		return err
	}
	return r.update(d, nil)
}

// update replaces everything at and below d with add and bumps the serial.
func (r *Registrar) update(d string, add []dnsx.RR) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	z := r.server.Zone(r.tld)
	if z == nil {
		return fmt.Errorf("%w: the server no longer holds %s", dnsx.ErrBadConfig, r.tld)
	}
	next, err := z.With(add, func(rr dnsx.RR) bool { return dnsx.IsSubdomain(rr.Name, d) })
	if err != nil {
		return err
	}
	if next, err = next.WithSerial(z.Serial() + 1); err != nil {
		return err
	}
	if next, err = r.resign(next); err != nil {
		return err
	}
	return r.server.SetZone(next)
}
