// Command dns shows the DNS of the textbook and runs its pieces as real
// servers.
//
// With no flags (-mode demo) it starts a whole hierarchy on loopback (a
// root, the com TLD, and Network Utopia's own server), registers
// networkutopia.com with the registrar (its NS record and the glue A
// record for dns1.networkutopia.com, 212.212.212.1, go into com), and
// resolves www.networkutopia.com iteratively, printing every query the
// resolver makes:
//
//	go run ./examples/dns
//
// As standalone servers, one per process:
//
//	# an authoritative server for master files; each file's name gives
//	# its origin: com.zone, networkutopia.com.zone, root.zone for "."
//	go run ./examples/dns -mode auth -listen 127.0.0.1:5300 com.zone networkutopia.com.zone
//	# a caching resolver starting from root hints
//	go run ./examples/dns -mode resolver -listen 127.0.0.1:5301 -root 127.0.0.1:5300
//	dig @127.0.0.1 -p 5301 www.networkutopia.com
//
// The whole hierarchy (root, com, networkutopia.com) on 127.0.53.1-3,
// port 53, with glue a standard resolver can follow:
//
//	go run ./examples/dns -mode hierarchy
//	dig @127.0.53.1 www.networkutopia.com +norecurse  # referral to com
//	dig @127.0.53.2 www.networkutopia.com +norecurse  # referral to dns1, with glue
//	dig @127.0.53.3 www.networkutopia.com +norecurse  # the answer
//
// or point a recursive resolver (unbound with root hints 127.0.53.1) at it.
// With -dnssec the three zones are signed (the root holds com's DS, com
// networkutopia.com's) and the root's DS goes to -trust-anchor
// (root.key); a resolver validates from it:
//
//	go run ./examples/dns -mode hierarchy -dnssec -trust-anchor root.key
//	go run ./examples/dns -mode resolver -root 127.0.53.1:53 -trust-anchor root.key
//	dig @127.0.0.1 -p 5300 +dnssec www.networkutopia.com  # flags: ... ad
//
// Signing master files as dnssec-signzone does, with BIND key files in
// -keys (made if missing), into FILE.signed:
//
//	go run ./examples/dns -mode sign -keys . -nsec3 networkutopia.com.zone
//
// The textbook's attacks, run in the simulator (a root DDoS, cache
// poisoning without and with defences, amplification without and with
// rate limiting):
//
//	go run ./examples/dns -mode attacks
//
// What operators run: TSIG keys (BIND key file; each may transfer and
// update every zone), DNS over TLS and over HTTPS, a forwarding resolver,
// and a small nsupdate:
//
//	go run ./examples/dns -mode auth -tsig keys.conf -tls-cert self -dot 127.0.0.1:8853 -doh 127.0.0.1:8443 -doq 127.0.0.1:8853 networkutopia.com.zone
//	kdig @127.0.0.1 -p 8853 +tls www.networkutopia.com
//	kdig @127.0.0.1 -p 8853 +quic www.networkutopia.com
//	echo "add printer.networkutopia.com 600 A 212.212.71.99" | go run ./examples/dns -mode update -server 127.0.0.1:5300 -zone networkutopia.com -key hmac-sha256:xfr-key:SECRET
//	go run ./examples/dns -mode resolver -listen 127.0.0.1:5301 -forward tls://127.0.0.1:8853,udp://127.0.0.1:5300
//
// A secondary server copies zones from a primary (AXFR, then IXFR as
// the serial grows) and keeps each copy in -dir, which it serves at once
// when restarted:
//
//	go run ./examples/dns -mode secondary -listen 127.0.0.1:5302 -primary 127.0.0.1:5300 -zone networkutopia.com -dir copies
//
// (the primary must allow the transfer: from loopback it does; from
// elsewhere give both a TSIG key, -tsig keys.conf on the primary and
// -key on the secondary).
//
// With -metrics 127.0.0.1:9100, the auth and resolver modes serve their
// counters (p2p_dns_server_*, p2p_dns_resolver_*, p2p_transport_*) for
// Prometheus on http://127.0.0.1:9100/metrics.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/examples/internal/metricsserver"
	"github.com/networkutopia/p2p/experiments/dnsattack"
	"github.com/prometheus/client_golang/prometheus"
)

func main() {
	mode := flag.String("mode", "demo", "demo, hierarchy, auth, secondary, resolver, sign, update or attacks")
	port := flag.Int("port", 53, "hierarchy: the port of its three servers")
	listen := flag.String("listen", "127.0.0.1:5300", "auth and resolver: address to serve on (UDP and TCP)")
	root := flag.String("root", "", "resolver: root server address(es), comma-separated host:port")
	allow := flag.String("allow", "127.0.0.0/8,::1/128", "resolver: client networks served, comma-separated")
	sockets := flag.Int("sockets", 0, "auth: UDP sockets sharing the port (0: one per CPU)")
	metricsAddr := flag.String("metrics", "", "auth and resolver: serve Prometheus metrics on http://ADDR/metrics (host:port)")
	signed := flag.Bool("dnssec", false, "hierarchy: sign the three zones and write the root's trust anchor to -trust-anchor")
	anchor := flag.String("trust-anchor", "", "hierarchy -dnssec: file to write the root's DS to (default root.key); resolver: validate from this file's DS or DNSKEY records")
	nsec3 := flag.Bool("nsec3", false, "sign and hierarchy -dnssec: deny with NSEC3 instead of NSEC")
	keysDir := flag.String("keys", ".", "sign: directory of the zones' BIND key files (K<zone>+*.private), made if missing")
	var ops authOptions
	flag.StringVar(&ops.tsig, "tsig", "", "auth: BIND key file; each key may transfer and update every zone")
	flag.StringVar(&ops.tlsCert, "tls-cert", "", "auth: certificate file (PEM) for -dot and -doh, or \"self\" for a self-signed one")
	flag.StringVar(&ops.tlsKey, "tls-key", "", "auth: the certificate's key file (PEM)")
	flag.StringVar(&ops.dot, "dot", "", "auth: serve DNS over TLS on this address (host:port)")
	flag.StringVar(&ops.doh, "doh", "", "auth: serve DNS over HTTPS on this address (host:port)")
	flag.StringVar(&ops.doq, "doq", "", "auth: serve DNS over QUIC on this address (host:port, UDP)")
	forward := flag.String("forward", "", "resolver: forward to these upstreams instead of iterating (udp://, tcp://, tls://, quic://host:port, https://host/dns-query; comma-separated)")
	server := flag.String("server", "127.0.0.1:5300", "update: the server to send the update to")
	zone := flag.String("zone", "", "update: the zone to update; secondary: the zones to copy, comma-separated")
	key := flag.String("key", "", "update and secondary: the TSIG key, [alg:]name:base64secret")
	var sec secondaryOptions
	flag.StringVar(&sec.primary, "primary", "", "secondary: the primary server to transfer the zones from (host:port)")
	flag.StringVar(&sec.dir, "dir", "", "secondary: directory to keep the copies in and serve them from at start (empty: none)")
	flag.DurationVar(&sec.minRefresh, "min-refresh", authserver.DefaultMinRefresh, "secondary: shortest interval between two checks of the primary's serial")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var reg prometheus.Registerer
	if *metricsAddr != "" {
		ms, err := metricsserver.Start(*metricsAddr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dns: -metrics:", err)
			os.Exit(1)
		}
		defer ms.Close()
		reg = ms.Registry
		fmt.Printf("metrics on http://%s/metrics\n", ms.Addr())
	}
	var err error
	switch *mode {
	case "demo":
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		err = demo(ctx, os.Stdout)
	case "hierarchy":
		err = serveHierarchy(ctx, uint16(*port), *signed, *nsec3, *anchor)
	case "attacks":
		err = attacks(os.Stdout)
	case "auth":
		err = serveAuth(ctx, *listen, *sockets, flag.Args(), reg, ops)
	case "resolver":
		if *forward != "" {
			err = serveForwarder(ctx, *listen, *forward, os.Stdout)
			break
		}
		err = serveResolver(ctx, *listen, *root, *allow, *anchor, reg)
	case "secondary":
		sec.listen, sec.zones, sec.key = *listen, *zone, *key
		err = serveSecondary(ctx, sec, os.Stdout)
	case "sign":
		err = signFiles(os.Stdout, flag.Args(), *keysDir, *nsec3)
	case "update":
		err = runUpdate(ctx, *server, *zone, *key, os.Stdin, os.Stdout)
	default:
		err = fmt.Errorf("unknown -mode %q", *mode)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "dns:", err)
		os.Exit(1)
	}
}

// serveHierarchy runs root, com and networkutopia.com on loopback until
// ctx ends.
func serveHierarchy(ctx context.Context, port uint16, signed, nsec3 bool, anchor string) error {
	h, err := authserver.StartHierarchy(authserver.HierarchyConfig{Port: port, LoopbackGlue: true, DNSSEC: signed, NSEC3: nsec3})
	if err != nil {
		return err
	}
	defer h.Close()
	if signed {
		if anchor == "" {
			anchor = "root.key"
		}
		if err := h.WriteTrustAnchor(anchor); err != nil {
			return err
		}
		fmt.Printf("signed; the root's trust anchor is in %s: %s\n", anchor, h.TrustAnchor)
	}
	fmt.Printf("root on %s, com on %s, networkutopia.com on %s, port %d\n", h.Loopback[0], h.Loopback[1], h.Loopback[2], h.Port)
	<-ctx.Done()
	return ctx.Err()
}

// attacks prints the three experiments of dnsx/dnsattack.
func attacks(w io.Writer) error {
	d, err := dnsattack.RootDDoS(dnsattack.RootDDoSConfig{Seed: 1})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "A flood of 10x the root's capacity for 20 s:\n%s\n", d)
	p, err := dnsattack.CachePoisoning(dnsattack.PoisoningConfig{Seed: 1})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Cache poisoning, Kaminsky style:\n%s\n", p)
	a, err := dnsattack.Amplification(dnsattack.AmplificationConfig{Seed: 1})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Amplification with spoofed sources:\n%s", a)
	return nil
}

// originOf derives a zone's origin from its file name: "com.zone" holds
// com., "networkutopia.com.zone" networkutopia.com., "root.zone" the root.
func originOf(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), ".zone")
	if base == "root" || base == "" {
		return "."
	}
	return base
}

// serveAuth serves master files until ctx ends.
func serveAuth(ctx context.Context, listen string, sockets int, files []string, reg prometheus.Registerer, ops authOptions) error {
	if len(files) == 0 {
		return errors.New("auth: give at least one master file")
	}
	var zones []*dnsx.Zone
	for _, f := range files {
		origin := originOf(f)
		z, err := dnsx.LoadZone(f, origin)
		if err != nil {
			return err
		}
		zones = append(zones, z)
	}
	cfg := authserver.Config{Zones: zones, Sockets: sockets, Metrics: reg}
	if err := ops.configure(&cfg); err != nil {
		return err
	}
	s, err := authserver.NewServer(cfg)
	if err != nil {
		return err
	}
	if err := s.Start(listen); err != nil {
		return err
	}
	defer s.Close()
	if err := ops.start(s, os.Stdout); err != nil {
		return err
	}
	for _, z := range zones {
		fmt.Printf("serving %s (%d records, serial %d) on %s\n", z.Origin(), z.Len(), z.Serial(), s.Addr())
	}
	<-ctx.Done()
	st := s.Stats()
	fmt.Printf("queries %d, answered %d, truncated %d, refused %d, formerr %d\n", st.Queries, st.Answered, st.Truncated, st.Refused, st.FormErr)
	return ctx.Err()
}
