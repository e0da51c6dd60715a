package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/resolver"
)

func init() {
	register(step{
		Order: 40,
		Name:  "dns",
		Title: "the DNS: a registrar delegates networkutopia.com, a validating resolver walks root, com and dns1",
		Run:   runDNS,
	})
}

// runDNS starts a signed root, com TLD and Network Utopia's server on
// loopback, shows what the registrar put into com (the delegation, the
// glue and the DS that links the chain of trust), and resolves
// www.networkutopia.com step by step, validating it from the root's key
// (the DS and DNSKEY lookups show the chain), then again from the cache.
func runDNS(ctx context.Context, w io.Writer) error {
	h, err := authserver.StartHierarchy(authserver.HierarchyConfig{DNSSEC: true})
	if err != nil {
		return err
	}
	defer h.Close()
	fmt.Fprintf(w, "root, com and networkutopia.com servers on %s, %s, %s (port %d)\n",
		h.Loopback[0], h.Loopback[1], h.Loopback[2], h.Port)
	fmt.Fprintln(w, "registering networkutopia.com put into the com zone:")
	for _, rr := range h.TLD.Zone("com").Records() {
		if t := rr.Type(); dnsx.IsSubdomain(rr.Name, "networkutopia.com.") && t != dnsx.TypeRRSIG && t != dnsx.TypeNSEC {
			fmt.Fprintln(w, "  "+rr.String())
		}
	}
	server := map[string]string{}
	for i, p := range h.Public {
		server[string(h.ServerAddr(p, false))] = []string{"root", "com", "dns1.networkutopia.com"}[i]
	}
	fmt.Fprintln(w, "the resolver trusts only the root's key:", h.TrustAnchor)
	cfg := resolver.Config{Roots: h.Roots(), ServerAddr: h.ServerAddr, TrustAnchors: []dnsx.RR{h.TrustAnchor}}
	cfg.Trace = func(s resolver.TraceStep) {
		fmt.Fprintf(w, "  %s asked for %s %v: %s\n", server[string(s.Server)], s.Question.Name, s.Question.Type, s.Outcome)
	}
	r, err := resolver.NewResolver(cfg, "")
	if err != nil {
		return err
	}
	defer r.Close()
	for range 2 {
		fmt.Fprintln(w, "resolving www.networkutopia.com (iterated queries):")
		a, err := r.Lookup(ctx, "www.networkutopia.com", dnsx.TypeA)
		if err != nil {
			return err
		}
		var vals []string
		for _, rr := range a.Records {
			vals = append(vals, rr.Value())
		}
		fmt.Fprintf(w, "  => %s (%v, from cache: %v)\n", strings.Join(vals, ", "), a.Security, a.FromCache)
	}
	return nil
}
