package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/resolver"
)

// This file holds what operators run: the auth mode's TSIG keys, dynamic
// update, DoT, DoH and DoQ (-tsig, -tls-cert, -dot, -doh, -doq), the resolver mode's
// forwarding (-forward), and -mode update, a small nsupdate.

// authOptions are the auth mode's operator flags.
type authOptions struct {
	tsig     string // BIND key file: each key may transfer and update every zone served
	tlsCert  string // certificate file (PEM), or "self" for a self-signed one
	tlsKey   string // its key file
	dot, doh string // addresses to serve DoT and DoH on
	doq      string // address (UDP) to serve DoQ on
}

// configure adds the keys and their policy to cfg.
func (o authOptions) configure(cfg *authserver.Config) error {
	if o.tsig == "" {
		return nil
	}
	keys, err := dnsx.LoadTSIGKeys(o.tsig)
	if err != nil {
		return err
	}
	cfg.TSIG.Keys = keys
	for _, k := range keys {
		cfg.TSIG.TransferKeys = append(cfg.TSIG.TransferKeys, k.Name)
		for _, z := range cfg.Zones {
			cfg.Update.Policy = append(cfg.Update.Policy, authserver.UpdateRule{Key: k.Name, Name: z.Origin(), Subdomain: true})
		}
	}
	return nil
}

// start serves DoT and DoH on s, if asked, and says where.
func (o authOptions) start(s *authserver.Server, w io.Writer) error {
	if o.dot == "" && o.doh == "" && o.doq == "" {
		return nil
	}
	var cert tls.Certificate
	var err error
	switch o.tlsCert {
	case "":
		return errors.New("auth: -dot, -doh and -doq need -tls-cert (and -tls-key), or -tls-cert self")
	case "self":
		cert, err = authserver.SelfSignedCertificate("localhost", "127.0.0.1", "::1")
	default:
		cert, err = tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
	}
	if err != nil {
		return fmt.Errorf("auth: certificate: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	if o.dot != "" {
		if err := s.StartDoT(o.dot, cfg); err != nil {
			return err
		}
		fmt.Fprintf(w, "DNS over TLS on %s\n", s.DoTAddr())
	}
	if o.doh != "" {
		if err := s.StartDoH(o.doh, cfg); err != nil {
			return err
		}
		fmt.Fprintf(w, "DNS over HTTPS on https://%s/dns-query\n", s.DoHAddr())
	}
	if o.doq != "" {
		if err := s.StartDoQ(o.doq, cfg); err != nil {
			return err
		}
		fmt.Fprintf(w, "DNS over QUIC on %s\n", s.DoQAddr())
	}
	return nil
}

// parseUpstreams reads -forward: comma-separated udp://host:port,
// tcp://host:port, tls://host:port, quic://host:port or
// https://host/path (a bare host:port is UDP).
func parseUpstreams(s string) ([]resolver.Upstream, error) {
	var out []resolver.Upstream
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if strings.HasPrefix(part, "https://") {
			out = append(out, resolver.Upstream{Protocol: resolver.ProtoHTTPS, URL: part})
			continue
		}
		proto, addr, ok := strings.Cut(part, "://")
		if !ok {
			proto, addr = resolver.ProtoUDP, part
		}
		ap, err := netip.ParseAddrPort(addr)
		if err != nil {
			return nil, fmt.Errorf("-forward %q: %w", part, err)
		}
		out = append(out, resolver.Upstream{Protocol: proto, Addr: ap})
	}
	return out, nil
}

// serveForwarder runs a forwarding resolver until ctx ends.
func serveForwarder(ctx context.Context, listen, forward string, w io.Writer) error {
	ups, err := parseUpstreams(forward)
	if err != nil {
		return err
	}
	f, err := resolver.NewForwarder(resolver.ForwarderConfig{Upstreams: ups}, listen)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(w, "forwarding resolver on %s to %v\n", f.Addr(), ups)
	<-ctx.Done()
	st := f.Stats()
	fmt.Fprintf(w, "lookups %d, cache hits %d, forwarded %d, fail-overs %d, failed %d\n", st.Lookups, st.CacheHits, st.Forwarded, st.Failovers, st.Failed)
	return ctx.Err()
}

// runUpdate reads nsupdate-like commands from r and sends them to server
// as one update of zone, signed with key ("[alg:]name:secret"):
//
//	add NAME TTL TYPE VALUE
//	delete NAME [TYPE [VALUE]]
//	prereq yxdomain|nxdomain NAME
//	prereq yxrrset|nxrrset NAME TYPE
func runUpdate(ctx context.Context, server, zone, key string, r io.Reader, w io.Writer) error {
	ap, err := netip.ParseAddrPort(server)
	if err != nil {
		return fmt.Errorf("update: -server %q: %w", server, err)
	}
	k, err := dnsx.ParseTSIGKey(key)
	if err != nil {
		return fmt.Errorf("update: -key: %w", err)
	}
	u := dnsx.NewUpdate(zone)
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if err := updateCommand(u, f); err != nil {
			return fmt.Errorf("update: line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	rcode, err := dnsx.ExchangeUpdate(ctx, ap, u, k)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	fmt.Fprintf(w, "update of %s: %v\n", zone, rcode)
	if rcode != dnsx.RcodeSuccess {
		return fmt.Errorf("update refused: %v", rcode)
	}
	return nil
}

// updateCommand adds one command's fields to u.
func updateCommand(u *dnsx.Update, f []string) error {
	typ := func(s string) (dnsx.Type, error) { return dnsx.ParseType(s) }
	switch {
	case f[0] == "add" && len(f) >= 5:
		ttl, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			return fmt.Errorf("TTL %q: %w", f[2], err)
		}
		t, err := typ(f[3])
		if err != nil {
			return err
		}
		rr, err := dnsx.NewRR(f[1], strings.Join(f[4:], " "), t, uint32(ttl))
		if err != nil {
			return err
		}
		u.Add(rr)
	case f[0] == "delete" && len(f) == 2:
		u.DeleteRRset(f[1], dnsx.TypeANY)
	case f[0] == "delete" && len(f) == 3:
		t, err := typ(f[2])
		if err != nil {
			return err
		}
		u.DeleteRRset(f[1], t)
	case f[0] == "delete" && len(f) >= 4:
		t, err := typ(f[2])
		if err != nil {
			return err
		}
		rr, err := dnsx.NewRR(f[1], strings.Join(f[3:], " "), t, 0)
		if err != nil {
			return err
		}
		u.Delete(rr)
	case f[0] == "prereq" && len(f) == 3 && (f[1] == "yxdomain" || f[1] == "nxdomain"):
		u.Require(f[2], dnsx.TypeANY, f[1] == "yxdomain")
	case f[0] == "prereq" && len(f) == 4 && (f[1] == "yxrrset" || f[1] == "nxrrset"):
		t, err := typ(f[3])
		if err != nil {
			return err
		}
		u.Require(f[2], t, f[1] == "yxrrset")
	default:
		return fmt.Errorf("cannot read %q", strings.Join(f, " "))
	}
	return nil
}
