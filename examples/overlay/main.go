// Command overlay compares the unstructured peer-to-peer designs of the
// textbook on one workload in the simulator, and shows a Gnutella servent
// at work on loopback TCP.
//
//	go run ./examples/overlay                  # N = 1000, 1000 queries
//	go run ./examples/overlay -n 10000         # the large run (minutes)
//	go run ./examples/overlay -skip dht,napster
//	go run ./examples/overlay -demo            # live servents on loopback first
//	go run ./examples/overlay -dot g.dot       # the flooding overlay as Graphviz
//
// The workload: 1000 distinct files, replicas on random nodes (the median
// file on 10), queries from random nodes with Zipf (α = 1) popularity.
// The systems: Gnutella flooding on a degree-8 random overlay (TTL 1..7),
// super-peers (one leader per 100 nodes, leaders in a degree-8 overlay,
// leader TTL 1..4), a Napster directory, and the dht package's Chord ring.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/networkutopia/p2p/experiments/compare"
	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/gnutella"
	"github.com/networkutopia/p2p/transport"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "overlay:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, w io.Writer) error {
	fs := flag.NewFlagSet("overlay", flag.ContinueOnError)
	fs.SetOutput(w)
	n := fs.Int("n", 1000, "number of nodes")
	queries := fs.Int("queries", 1000, "queries per row")
	seed := fs.Uint64("seed", 1, "seed of the workload and the simulations")
	skip := fs.String("skip", "", "comma-separated systems to leave out: flooding,super-peer,napster,dht")
	demo := fs.Bool("demo", false, "first run live servents on loopback TCP")
	dot := fs.String("dot", "", "write the flooding overlay (degree 8, -n nodes) to this Graphviz file and print its measures")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *demo {
		if err := liveDemo(ctx, w); err != nil {
			return err
		}
	}
	if *dot != "" {
		if err := writeDOT(w, *dot, *n, *seed); err != nil {
			return err
		}
	}
	cfg := compare.Config{Nodes: *n, Queries: *queries, Seed: *seed}
	if *skip != "" {
		cfg.Skip = strings.Split(*skip, ",")
	}
	fmt.Fprintf(w, "simulating N = %d, %d queries per row (Zipf α = 1, median file on 10 nodes)...\n", *n, *queries)
	rows, err := compare.Run(cfg, func(r compare.Row) {
		fmt.Fprintf(w, "  %-10s %-28s done in %v\n", r.System, r.Param, r.Wall.Round(time.Millisecond))
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	return compare.WriteTable(w, rows)
}

// writeDOT generates the flooding experiment's overlay and measures it.
func writeDOT(w io.Writer, path string, n int, seed uint64) error {
	addrs := make([]transport.Addr, n)
	for i := range addrs {
		addrs[i] = transport.Addr(fmt.Sprintf("n%d", i))
	}
	r := rand.New(rand.NewPCG(seed, 1))
	g := overlay.RandomGraph(addrs, 8, r)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := g.WriteDOT(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(w, "overlay of %d nodes, %d edges written to %s\n", g.Len(), g.Edges(), path)
	fmt.Fprintf(w, "  degree distribution: %v\n", g.DegreeDistribution())
	fmt.Fprintf(w, "  components: %d, diameter ≥ %d, mean distance %.2f\n\n",
		len(g.Components()), g.DiameterEstimate(4, r), g.MeanDistance(20, r))
	return nil
}

// liveDemo runs five Gnutella servents in a line on loopback TCP: the
// last shares a file, the first finds it four hops away and downloads it
// over HTTP.
func liveDemo(ctx context.Context, w io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	song := overlay.NewFile("Free Software Song.ogg", []byte(strings.Repeat("Join us now and share the software; ", 1000)))
	var servents []*gnutella.Node
	defer func() {
		for _, s := range servents {
			s.Close()
		}
	}()
	for i := range 5 {
		cfg := gnutella.NodeConfig{}
		if i == 4 {
			cfg.Files = []overlay.File{song}
		}
		s, err := gnutella.NewNode(cfg)
		if err != nil {
			return err
		}
		servents = append(servents, s)
		if i > 0 {
			if err := s.Join(ctx, servents[i-1].Addr()); err != nil {
				return err
			}
		}
		fmt.Fprintf(w, "servent %d listening on %s\n", i, s.Addr())
	}
	// Wait until the inner servents have both their neighbours.
	for _, s := range servents[1:4] {
		for {
			nb, err := s.Neighbours(ctx)
			if err != nil {
				return err
			}
			if len(nb) == 2 {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	start := time.Now()
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	hits, err := servents[0].Search(sctx, "free software", gnutella.SearchLimits{MaxHits: 1})
	if err != nil {
		return err
	}
	hit, ok := <-hits
	if !ok {
		return errors.New("no hit")
	}
	fmt.Fprintf(w, "query \"free software\" from servent 0: hit %q (%d bytes) at %s, %d hops, after %v\n",
		hit.Name, hit.Size, hit.Addr, hit.Hops+1, time.Since(start).Round(time.Microsecond))
	data, err := servents[0].Fetch(ctx, hit)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "downloaded %d bytes over HTTP, SHA-1 %s\n\n", len(data), overlay.HashOf(data).URN())
	return nil
}
