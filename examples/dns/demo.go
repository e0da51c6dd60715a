package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/resolver"
	"github.com/prometheus/client_golang/prometheus"
)

// demo runs the textbook's scenario on loopback and prints it.
func demo(ctx context.Context, w io.Writer) error {
	h, err := authserver.StartHierarchy(authserver.HierarchyConfig{})
	if err != nil {
		return err
	}
	defer h.Close()
	fmt.Fprintf(w, "hierarchy on loopback port %d: root %s, com %s, networkutopia.com %s\n",
		h.Port, h.Loopback[0], h.Loopback[1], h.Loopback[2])

	fmt.Fprintln(w, "\nThe registrar inserted into the com zone:")
	for _, rr := range h.TLD.Zone("com").Records() {
		if dnsx.IsSubdomain(rr.Name, "networkutopia.com.") {
			fmt.Fprintln(w, "  "+rr.String())
		}
	}
	fmt.Fprintln(w, "\nNetwork Utopia's own server dns1.networkutopia.com holds:")
	for _, rr := range h.Domain.Zone("networkutopia.com").Records() {
		if t := rr.Type(); t == dnsx.TypeA || t == dnsx.TypeMX {
			fmt.Fprintln(w, "  "+rr.String())
		}
	}

	cfg := resolver.Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}
	names := map[string]string{}
	for i, p := range h.Public {
		names[string(h.ServerAddr(p, false))] = []string{"root", "com TLD", "dns1.networkutopia.com"}[i]
	}
	cfg.Trace = func(s resolver.TraceStep) {
		fmt.Fprintf(w, "  ask %-24s (zone %-19s) %-30s -> %s\n", names[string(s.Server)], s.Zone, s.Question.Name+" "+s.Question.Type.String(), s.Outcome)
	}
	r, err := resolver.NewResolver(cfg, "")
	if err != nil {
		return err
	}
	defer r.Close()
	for _, q := range []struct {
		name string
		t    dnsx.Type
	}{{"www.networkutopia.com", dnsx.TypeA}, {"networkutopia.com", dnsx.TypeMX}, {"www.networkutopia.com", dnsx.TypeA}} {
		fmt.Fprintf(w, "\nresolve %s %v:\n", q.name, q.t)
		start := time.Now()
		a, err := r.Lookup(ctx, q.name, q.t)
		if err != nil {
			return err
		}
		var vals []string
		for _, rr := range a.Records {
			vals = append(vals, rr.Value())
		}
		from := "iterated queries"
		if a.FromCache {
			from = "the cache"
		}
		fmt.Fprintf(w, "  => %s (%s, from %s, in %v)\n", strings.Join(vals, ", "), a.Rcode, from, time.Since(start).Round(time.Microsecond))
	}
	return nil
}

// serveResolver runs a caching recursive resolver until ctx ends.
func serveResolver(ctx context.Context, listen, root, allow, anchor string, reg prometheus.Registerer) error {
	if root == "" {
		return fmt.Errorf("resolver: -root is required (the root server's address)")
	}
	var roots []netip.Addr
	var port uint16
	for _, s := range strings.Split(root, ",") {
		ap, err := netip.ParseAddrPort(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("resolver: -root %q: %w", s, err)
		}
		roots = append(roots, ap.Addr())
		port = ap.Port()
	}
	var nets []netip.Prefix
	for _, s := range strings.Split(allow, ",") {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("resolver: -allow %q: %w", s, err)
		}
		nets = append(nets, p)
	}
	var anchors []dnsx.RR
	if anchor != "" {
		var err error
		if anchors, err = readTrustAnchors(anchor); err != nil {
			return err
		}
	}
	r, err := resolver.NewResolver(resolver.Config{Roots: roots, Port: port, AllowedNetworks: nets, Metrics: reg, TrustAnchors: anchors}, listen)
	if err != nil {
		return err
	}
	defer r.Close()
	fmt.Printf("caching resolver on %s (root %s, servers on port %d)\n", r.Addr(), root, port)
	<-ctx.Done()
	st := r.Stats()
	fmt.Printf("lookups %d, cache hits %d, queries sent %d, refused clients %d\n", st.Lookups, st.CacheHits, st.Queries, st.Refused)
	return ctx.Err()
}
