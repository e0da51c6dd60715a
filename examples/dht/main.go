// Command dht runs the Chord-style DHT of package dht, or with
// -protocol kademlia the Kademlia of package dht/kademlia, two ways; both
// are driven through dht.DHT, the interface they share.
//
// In the simulator (-mode sim, the default) it runs the experiments of the
// textbook: mean lookup hops and messages as the network grows (against
// ½·log2 N), and a run of churn (lookup success and lost keys). Everything
// is built through the protocol: nodes join one by one through members.
//
//	go run ./examples/dht -mode sim -max-exp 12
//	go run ./examples/dht -mode sim -max-exp 12 -protocol kademlia
//
// As one node per process (-mode node), a ring can span processes and
// machines. The first node starts a ring; the others join through it. Each
// reads commands on standard input, one a line, and answers on standard
// output:
//
//	put KEY VALUE    store a value
//	get KEY          print it
//	delete KEY       delete it
//	lookup KEY       print the node responsible for KEY and the path
//	state            print the predecessor, successors and fingers
//	leave            hand the keys over and exit
//
// For example, in three terminals:
//
//	go run ./examples/dht -mode node -listen /ip4/127.0.0.1/tcp/4001
//	go run ./examples/dht -mode node -listen /ip4/127.0.0.1/tcp/4002 -bootstrap /ip4/127.0.0.1/tcp/4001
//	go run ./examples/dht -mode node -transport libp2p -bootstrap /ip4/127.0.0.1/tcp/4001
//
// (a ring is either all tcp or all libp2p: with -transport libp2p, give the
// first node's full /p2p/ address as -bootstrap). With -protocol kademlia
// the nodes are Kademlia's (tcp; put, get and lookup). With -metrics
// 127.0.0.1:9100 a node serves its counters (p2p_dht_*, p2p_transport_*)
// for Prometheus on http://127.0.0.1:9100/metrics.
//
// With -mode mainline it runs one node of BitTorrent's mainline DHT
// (BEP 5, package swarm/mainline) on a UDP port, which libtorrent, aria2
// and any other BitTorrent client can use; see mainline.go for its
// commands:
//
//	go run ./examples/dht -mode mainline -listen 127.0.0.1:6881
//	go run ./examples/dht -mode mainline -listen 127.0.0.1:6882 -bootstrap 127.0.0.1:6881
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dht"
	"github.com/networkutopia/p2p/examples/internal/metricsserver"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/libp2p"
	"github.com/networkutopia/p2p/transport/sim"
)

// config is the command line.
type config struct {
	mode      string
	protocol  string
	listen    string
	bootstrap string
	transport string
	seed      string
	interval  time.Duration
	maxExp    int
	lookups   int
	churn     bool
	metrics   string
}

func main() {
	var cfg config
	flag.StringVar(&cfg.protocol, "protocol", "chord", "sim, node: chord (package dht) or kademlia (package dht/kademlia)")
	flag.StringVar(&cfg.mode, "mode", "sim", "sim: run the experiments in the simulator; node: run one node; mainline: run one BitTorrent DHT node (UDP)")
	flag.StringVar(&cfg.listen, "listen", "/ip4/127.0.0.1/tcp/0", "node: listen multiaddr")
	flag.StringVar(&cfg.bootstrap, "bootstrap", "", "node: multiaddr of a ring member to join through (empty: start a ring)")
	flag.StringVar(&cfg.transport, "transport", "tcp", "node: tcp or libp2p")
	flag.StringVar(&cfg.seed, "key-seed", "", "node, libp2p: derive the identity key from this seed (default: random)")
	flag.DurationVar(&cfg.interval, "stabilize", dht.DefaultStabilizeInterval, "node: stabilize and ping interval")
	flag.IntVar(&cfg.maxExp, "max-exp", 12, "sim: largest ring is 2^max-exp nodes")
	flag.IntVar(&cfg.lookups, "lookups", 1000, "sim: lookups per ring size")
	flag.BoolVar(&cfg.churn, "churn", true, "sim: also run the churn experiment")
	flag.StringVar(&cfg.metrics, "metrics", "", "node: serve Prometheus metrics on http://ADDR/metrics (host:port)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "dht:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config, in io.Reader, out io.Writer) error {
	if cfg.protocol == "" {
		cfg.protocol = "chord"
	}
	switch cfg.mode {
	case "sim":
		return runSim(ctx, cfg, out)
	case "node":
		return runNode(ctx, cfg, in, out)
	case "mainline":
		return runMainline(ctx, cfg, in, out)
	}
	return fmt.Errorf("unknown -mode %q (want sim, node or mainline)", cfg.mode)
}

// runSim prints hops and messages against N, then a churn run.
func runSim(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.maxExp < 4 || cfg.maxExp > 17 {
		return fmt.Errorf("-max-exp %d not in 4..17", cfg.maxExp)
	}
	if _, err := growSim(cfg.protocol, 1, 0); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: lookup hops as the network grows (each built by joins through its members)\n", cfg.protocol)
	fmt.Fprintf(out, "%8s %12s %12s %10s %8s\n", "N", "hops/lookup", "msgs/lookup", "½·log2 N", "correct")
	for exp := 4; exp <= cfg.maxExp; exp += 2 {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		n := 1 << exp
		d, err := growSim(cfg.protocol, uint64(exp), n)
		if err != nil {
			return err
		}
		hops, msgs, correct := 0, 0, 0
		for i := range cfg.lookups {
			key := fmt.Appendf(nil, "key-%d", i)
			from := d.random()
			r, err := d.at(from).Route(ctx, key)
			if err != nil {
				continue
			}
			hops += r.Hops
			msgs += r.Messages
			if d.responsible(key, from, r.Node) {
				correct++
			}
		}
		fmt.Fprintf(out, "%8d %12.2f %12.2f %10.2f %7.1f%%\n", n, float64(hops)/float64(cfg.lookups), float64(msgs)/float64(cfg.lookups),
			float64(exp)/2, 100*float64(correct)/float64(cfg.lookups))
	}
	if !cfg.churn {
		return nil
	}
	return churn(ctx, cfg.protocol, out)
}

// churn runs 500 nodes with sessions of 30 minutes on average for an hour,
// replacing each departed node, and reports lookups and keys.
func churn(ctx context.Context, protocol string, out io.Writer) error {
	const nodes, keys = 500, 500
	d, err := growSim(protocol, 99, nodes)
	if err != nil {
		return err
	}
	for i := range keys {
		if err := d.at(d.random()).Put(ctx, fmt.Appendf(nil, "k%d", i), fmt.Appendf(nil, "v%d", i)); err != nil {
			return err
		}
	}
	c, err := d.net.StartChurn(d.live(), sim.ChurnConfig{
		Session: sim.Exponential{Mean: 30 * time.Minute}, Replace: true,
		New: d.newHandler, OnLeave: d.left,
	})
	if err != nil {
		return err
	}
	lookups, correct := 0, 0
	for range 60 {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		for range 20 {
			key := fmt.Appendf(nil, "k%d", d.net.Rand().IntN(keys))
			from := d.random()
			lookups++
			if r, err := d.at(from).Route(ctx, key); err == nil && d.responsible(key, from, r.Node) {
				correct++
			}
		}
		d.net.Run(time.Minute)
	}
	c.Stop()
	lost := 0
	for i := range keys {
		v, err := d.at(d.random()).Get(ctx, fmt.Appendf(nil, "k%d", i))
		if err != nil || !sameValue(v, fmt.Sprintf("v%d", i)) {
			lost++
		}
	}
	fmt.Fprintf(out, "\nchurn: %d nodes, sessions of 30 min on average, 1 hour: %d departures (each replaced)\n", nodes, c.Stats().Leaves)
	fmt.Fprintf(out, "lookups that found the key's live responsible node: %d/%d (%.2f%%); keys lost: %d/%d\n",
		correct, lookups, 100*float64(correct)/float64(lookups), lost, keys)
	return nil
}

// runNode runs one node and serves commands from in.
func runNode(ctx context.Context, cfg config, in io.Reader, out io.Writer) error {
	switch cfg.protocol {
	case "kademlia":
		return runKademliaNode(ctx, cfg, in, out)
	case "chord", "":
	default:
		return fmt.Errorf("unknown -protocol %q (want chord or kademlia)", cfg.protocol)
	}
	ncfg := dht.NodeConfig{
		PeerConfig: dht.PeerConfig{StabilizeInterval: cfg.interval, CheckPredInterval: cfg.interval},
		Listen:     transport.Addr(cfg.listen),
	}
	switch cfg.transport {
	case "tcp":
	case "libp2p":
		lc := libp2p.Config{Transports: []libp2p.Kind{libp2p.TCP}}
		if cfg.seed != "" {
			lc.Key = libp2p.KeyFromSeed(cfg.seed)
		}
		tr, err := libp2p.New(lc)
		if err != nil {
			return err
		}
		defer tr.Close()
		ncfg.Transport = tr
	default:
		return fmt.Errorf("unknown -transport %q (want tcp or libp2p)", cfg.transport)
	}
	var metricsURL string
	if cfg.metrics != "" {
		ms, err := metricsserver.Start(cfg.metrics)
		if err != nil {
			return fmt.Errorf("-metrics: %w", err)
		}
		defer ms.Close()
		ncfg.Metrics = ms.Registry
		metricsURL = "http://" + ms.Addr() + "/metrics"
	}
	node, err := dht.NewNode(ncfg)
	if err != nil {
		return err
	}
	defer node.Close()
	if err := join(ctx, cfg.bootstrap, node.Join); err != nil {
		return err
	}
	fmt.Fprintf(out, "listening %s id %s\n", node.Addr(), node.ID().Short())
	if metricsURL != "" {
		fmt.Fprintf(out, "metrics on %s\n", metricsURL)
	}

	return serveLines(ctx, in, out, func(line string) (bool, error) { return command(ctx, node, node, line, out) })
}

// join joins through bootstrap (empty: start alone), within 30 s.
func join(ctx context.Context, bootstrap string, join func(context.Context, ...transport.Addr) error) error {
	var boot []transport.Addr
	if bootstrap != "" {
		boot = append(boot, transport.Addr(bootstrap))
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return join(ctx, boot...)
}

// command runs one command line on d; done reports "leave". delete,
// state and leave need a Chord node (node; nil for Kademlia).
func command(ctx context.Context, d dht.DHT, node *dht.Node, line string, out io.Writer) (done bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	f := strings.Fields(line)
	if len(f) == 0 {
		return false, nil
	}
	arg := func(i int) []byte {
		if i < len(f) {
			return []byte(f[i])
		}
		return nil
	}
	switch f[0] {
	case "delete", "state", "leave":
		if node == nil {
			return false, fmt.Errorf("%s: Chord only", f[0])
		}
	}
	switch f[0] {
	case "put":
		if len(f) < 3 {
			return false, errors.New("usage: put KEY VALUE")
		}
		if err := d.Put(ctx, arg(1), []byte(strings.Join(f[2:], " "))); err != nil {
			return false, err
		}
		fmt.Fprintln(out, "ok")
	case "get":
		v, err := d.Get(ctx, arg(1))
		if err != nil {
			return false, err
		}
		fmt.Fprintln(out, "value", string(v))
	case "lookup":
		if node == nil {
			r, err := d.Route(ctx, arg(1))
			if err != nil {
				return false, err
			}
			fmt.Fprintf(out, "node %s hops %d messages %d\n", r.Node, r.Hops, r.Messages)
			return false, nil
		}
		r, err := node.Lookup(ctx, arg(1))
		if err != nil {
			return false, err
		}
		var path []string
		for _, n := range r.Path {
			path = append(path, n.ID.Short())
		}
		fmt.Fprintf(out, "owner %s hops %d path %s\n", r.Owner, r.Hops, strings.Join(path, " "))
	case "delete":
		if err := node.Delete(ctx, arg(1)); err != nil {
			return false, err
		}
		fmt.Fprintln(out, "ok")
	case "state":
		s, err := node.State(ctx)
		if err != nil {
			return false, err
		}
		fmt.Fprintf(out, "self %s pred %s successors %v fingers %d items %d\n", s.Self, s.Predecessor, s.Successors, len(s.Fingers), s.Items)
	case "leave":
		if err := node.Leave(ctx); err != nil {
			return true, err
		}
		fmt.Fprintln(out, "ok")
		return true, nil
	default:
		return false, fmt.Errorf("unknown command %q (put, get, delete, lookup, state, leave)", f[0])
	}
	return false, nil
}
