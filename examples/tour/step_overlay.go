package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/networkutopia/p2p/experiments/compare"
	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/gnutella"
	"github.com/networkutopia/p2p/overlay/napster"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

func init() {
	register(step{
		Order: 50,
		Name:  "overlay",
		Title: "unstructured P2P: Gnutella search and download on loopback, flooding vs super-peers vs Napster vs DHT, Napster's single point of failure",
		Run:   runOverlayStep,
	})
}

func runOverlayStep(ctx context.Context, w io.Writer) error {
	// 1. Two Gnutella servents on loopback TCP: join, flood a query,
	// download the hit over HTTP on the same port.
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	song := overlay.NewFile("Free Software Song.ogg", []byte(strings.Repeat("join us now and share the software ", 100)))
	sharer, err := gnutella.NewNode(gnutella.NodeConfig{PeerConfig: gnutella.PeerConfig{Files: []overlay.File{song}}})
	if err != nil {
		return err
	}
	defer sharer.Close()
	seeker, err := gnutella.NewNode(gnutella.NodeConfig{})
	if err != nil {
		return err
	}
	defer seeker.Close()
	if err := seeker.Join(ctx, sharer.Addr()); err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	hits, err := seeker.Search(sctx, "free song", gnutella.SearchLimits{MaxHits: 1})
	if err != nil {
		return err
	}
	hit, ok := <-hits
	if !ok {
		return fmt.Errorf("no hit")
	}
	data, err := seeker.Fetch(ctx, hit)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Gnutella 0.6 on loopback: query \"free song\" -> %q at %s; HTTP download %d bytes\n\n", hit.Name, hit.Addr, len(data))

	// 2. The textbook's comparison, small: 500 nodes, 100 queries.
	fmt.Fprintln(w, "one workload, four designs (500 nodes, 100 Zipf queries, median file on 10 nodes):")
	rows, err := compare.Run(compare.Config{Nodes: 500, Queries: 100, Seed: 1, FloodTTLs: []uint8{1, 2, 3, 5, 7}, LeaderTTLs: []uint8{1, 2}, GroupSize: 50}, nil)
	if err != nil {
		return err
	}
	if err := compare.WriteTable(w, rows); err != nil {
		return err
	}

	// 3. Napster: cheap searches, but the directory is a single point of
	// failure.
	net, err := sim.New(sim.Config{Seed: 1})
	if err != nil {
		return err
	}
	newServer, err := napster.NewServer(napster.ServerConfig{})
	if err != nil {
		return err
	}
	dir := net.AddNode(newServer)
	var asker transport.Addr
	for i, files := range [][]overlay.File{{song}, nil} {
		newPeer, err := napster.NewPeer(napster.PeerConfig{Server: dir, Files: files})
		if err != nil {
			return err
		}
		if a := net.AddNode(newPeer); i == 1 {
			asker = a
		}
	}
	net.Run(time.Second)
	search := func(when string) {
		_ = net.Do(asker, func(h transport.Handler) {
			h.(*napster.Peer).Search("free song", func(rs []overlay.Result, err error) {
				if err != nil {
					fmt.Fprintf(w, "napster, %s: search failed (%v)\n", when, err)
					return
				}
				fmt.Fprintf(w, "napster, %s: %d result, held by %v\n", when, len(rs), rs[0].Holders)
			})
		})
		net.Run(10 * time.Second)
	}
	fmt.Fprintln(w)
	search("directory up")
	_ = net.Crash(dir)
	search("directory down")
	return nil
}
