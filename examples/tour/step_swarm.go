package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/networkutopia/p2p/swarm"
	"github.com/networkutopia/p2p/swarm/metainfo"
)

func init() {
	register(step{
		Order: 30,
		Name:  "swarm",
		Title: "BitTorrent-style swarm: distribution-time bounds, a simulated swarm against them, a loopback TCP download",
		Run:   runSwarm,
	})
}

func runSwarm(ctx context.Context, w io.Writer) error {
	swarmBounds(w)
	if err := swarmSimulated(w); err != nil {
		return err
	}
	return swarmDownload(ctx, w)
}

// swarmBounds prints the textbook's lower bounds on the time to give a
// file to N peers: u_s = 10u, d_min = u_s, F/u = 1 hour.
func swarmBounds(w io.Writer) {
	const f, u, us = 3600.0, 1.0, 10.0 // F/u = 3600 s
	fmt.Fprintln(w, "lower bounds on distribution time (u_s = 10u, d_min = u_s, F/u = 1 h):")
	fmt.Fprintf(w, "  %6s  %14s  %8s\n", "N", "client-server", "P2P")
	for _, n := range []int{1, 10, 30, 100, 1000} {
		cs := swarm.ClientServerTime(f, us, us, n)
		p2p := swarm.P2PTime(f, us, us, swarm.UniformUploads(n, u))
		fmt.Fprintf(w, "  %6d  %12.2f h  %6.2f h\n", n, cs.Hours(), p2p.Hours())
	}
	fmt.Fprintln(w, "client-server grows with N; P2P levels off below F/u, as every peer adds upload capacity")
}

// swarmSimulated runs the real piece picker and choker on every peer of
// simulated swarms and compares their distribution time with the bound.
func swarmSimulated(w io.Writer) error {
	const mib = 1 << 20
	fmt.Fprintln(w, "\nsimulated swarms (32 MiB, u = 1 MiB/s, d = u_s = 10u, 20 ms links):")
	fmt.Fprintf(w, "  %6s  %9s  %9s  %6s\n", "N", "measured", "P2P bound", "ratio")
	for _, n := range []int{5, 15, 30} {
		s, err := swarm.NewSim(swarm.SimConfig{
			Seed: 1, Leechers: n, FileSize: 32 * mib,
			PeerUpload: mib, PeerDownload: 10 * mib, SeedUpload: 10 * mib,
		})
		if err != nil {
			return err
		}
		res, err := s.Run()
		if err != nil {
			return err
		}
		if res.Finished != n {
			return fmt.Errorf("simulated swarm of %d: only %d finished", n, res.Finished)
		}
		fmt.Fprintf(w, "  %6d  %9v  %9v  %6.2f\n", n, res.Last.Round(10*time.Millisecond), res.Bound.Round(10*time.Millisecond), res.Ratio)
	}
	return nil
}

// swarmDownload seeds a file and downloads it over loopback TCP with a
// progress bar. The leecher's download rate is capped so the bar has
// something to show.
func swarmDownload(ctx context.Context, w io.Writer) error {
	const size, limit = 12 << 20, 8 << 20
	work, err := os.MkdirTemp("", "tour-swarm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	seedDir, leechDir := filepath.Join(work, "seed"), filepath.Join(work, "leech")
	if err := os.Mkdir(seedDir, 0o755); err != nil {
		return err
	}
	content := make([]byte, size)
	for i := range content {
		content[i] = byte(i*31 + i>>10)
	}
	if err := os.WriteFile(filepath.Join(seedDir, "tour.bin"), content, 0o644); err != nil {
		return err
	}
	mi, err := metainfo.Create(filepath.Join(seedDir, "tour.bin"), metainfo.CreateConfig{})
	if err != nil {
		return err
	}
	seeder, err := swarm.NewClient(swarm.ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0"})
	if err != nil {
		return err
	}
	defer seeder.Close()
	seed, err := seeder.Add(mi, seedDir)
	if err != nil {
		return err
	}
	leecher, err := swarm.NewClient(swarm.ClientConfig{
		Listen: "/ip4/127.0.0.1/tcp/0",
		Peer:   swarm.PeerConfig{DownloadLimit: limit},
	})
	if err != nil {
		return err
	}
	defer leecher.Close()
	t, err := leecher.Add(mi, leechDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nloopback TCP: %d MiB in %d pieces from a seed at %s, download capped at %d MiB/s:\n",
		size>>20, mi.Info.NumPieces(), seed.Addr(), limit>>20)
	if err := t.AddPeers(seed.Addr()); err != nil {
		return err
	}
	start := time.Now()
	var last swarm.Progress
	for p := range t.Watch(ctx, 100*time.Millisecond) {
		last = p
		fmt.Fprint(w, "\r  "+p.Bar(30))
	}
	fmt.Fprintln(w)
	if !last.Done {
		if err := ctx.Err(); err != nil {
			return err
		}
		return errors.New("the download stopped before completing")
	}
	got, err := os.ReadFile(filepath.Join(leechDir, "tour.bin"))
	if err != nil {
		return err
	}
	if string(got) != string(content) {
		return errors.New("the downloaded file differs from the seed's")
	}
	fmt.Fprintf(w, "  %d bytes in %v, every piece checked against its SHA-1\n", last.Total, time.Since(start).Round(10*time.Millisecond))
	return nil
}
