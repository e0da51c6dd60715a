package swarm_test

import (
	"context"
	"fmt"
	"log/slog"
	"syscall"
	"time"

	"github.com/anacrolix/torrent"
	ametainfo "github.com/anacrolix/torrent/metainfo"
	"github.com/networkutopia/p2p/swarm"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport"
)

// workload is one torrent to share: its content sits complete in SeedDir,
// and the .torrent file (written by our metainfo package) is Torrent.
type workload struct {
	MetaInfo *metainfo.MetaInfo
	Torrent  string
	SeedDir  string
}

// contender shares w from one seed to a leecher per directory in dirs,
// all in this process on loopback TCP. Each leecher is given the seed and
// the leechers before it. It measures from the first connection to the
// last leecher's completion; setting up (the seed's hash check) and
// tearing down are not measured.
type contender struct {
	name string
	run  func(ctx context.Context, w workload, dirs []string) (measure, error)
}

// measure is what one run cost: wall time, and CPU time (user + system)
// of the whole process, which does not depend on what else the machine
// runs.
type measure struct{ wall, cpu time.Duration }

func (m measure) add(o measure) measure { return measure{m.wall + o.wall, m.cpu + o.cpu} }

// startMeasure returns a function that returns the cost since the call.
func startMeasure() func() measure {
	start, cpu := time.Now(), cpuTime()
	return func() measure { return measure{time.Since(start), cpuTime() - cpu} }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var contenders = []contender{{"ours", runOurs}, {"anacrolix", runAnacrolix}}

// runOurs: package swarm with its default settings.
func runOurs(ctx context.Context, w workload, dirs []string) (measure, error) {
	newClient := func() (*swarm.Client, error) {
		return swarm.NewClient(swarm.ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0"})
	}
	seedClient, err := newClient()
	if err != nil {
		return measure{}, err
	}
	defer seedClient.Close()
	seed, err := seedClient.Add(w.MetaInfo, w.SeedDir)
	if err != nil {
		return measure{}, err
	}
	var leechers []*swarm.Torrent
	for _, dir := range dirs {
		c, err := newClient()
		if err != nil {
			return measure{}, err
		}
		defer c.Close()
		t, err := c.Add(w.MetaInfo, dir)
		if err != nil {
			return measure{}, err
		}
		leechers = append(leechers, t)
	}
	done := startMeasure()
	for i, t := range leechers {
		addrs := []transport.Addr{seed.Addr()}
		for _, earlier := range leechers[:i] {
			addrs = append(addrs, earlier.Addr())
		}
		if err := t.AddPeers(addrs...); err != nil {
			return measure{}, err
		}
	}
	for _, t := range leechers {
		if err := t.Download(ctx); err != nil {
			return measure{}, err
		}
	}
	return done(), nil
}

// anacrolixConfig is anacrolix/torrent set up like ours (see
// runAnacrolix), its files in dir.
func anacrolixConfig(dir string) *torrent.ClientConfig {
	cfg := torrent.NewDefaultClientConfig()
	cfg.DataDir = dir
	cfg.Seed = true
	cfg.SetListenAddr("127.0.0.1:0")
	cfg.NoDHT, cfg.DisablePEX, cfg.DisableTrackers = true, true, true
	cfg.DisableWebtorrent, cfg.DisableWebseeds = true, true
	cfg.DisableUTP, cfg.DisableIPv6, cfg.NoDefaultPortForwarding = true, true, true
	cfg.HeaderObfuscationPolicy = torrent.HeaderObfuscationPolicy{}
	cfg.MaxAllocPeerRequestDataPerConn = 64 << 20
	cfg.Slogger = slog.New(slog.DiscardHandler)
	return cfg
}

// runAnacrolix: anacrolix/torrent set up like ours: plain TCP on
// loopback (no uTP, no IPv6, no header encryption, which we do not
// speak), no DHT, PEX, trackers or web seeds, files in the directory.
// MaxAllocPeerRequestDataPerConn is raised from 1 MiB to 64 MiB: with 1 MiB
// pieces its seeder otherwise stalls after a few MiB.
func runAnacrolix(ctx context.Context, w workload, dirs []string) (measure, error) {
	mi, err := ametainfo.LoadFromFile(w.Torrent)
	if err != nil {
		return measure{}, err
	}
	newClient := func(dir string) (*torrent.Client, *torrent.Torrent, error) {
		cl, err := torrent.NewClient(anacrolixConfig(dir))
		if err != nil {
			return nil, nil, err
		}
		t, err := cl.AddTorrent(mi)
		if err != nil {
			cl.Close()
			return nil, nil, err
		}
		return cl, t, nil
	}
	seedClient, seed, err := newClient(w.SeedDir)
	if err != nil {
		return measure{}, err
	}
	defer seedClient.Close()
	if err := seed.VerifyDataContext(ctx); err != nil {
		return measure{}, err
	}
	if seed.BytesMissing() != 0 {
		return measure{}, fmt.Errorf("anacrolix seed misses %d bytes after its check", seed.BytesMissing())
	}
	clients := []*torrent.Client{seedClient}
	var leechers []*torrent.Torrent
	for _, dir := range dirs {
		cl, t, err := newClient(dir)
		if err != nil {
			return measure{}, err
		}
		defer cl.Close()
		clients, leechers = append(clients, cl), append(leechers, t)
	}
	done := startMeasure()
	for i, t := range leechers {
		for _, cl := range clients[:i+1] { // the seed and the leechers before
			t.AddClientPeer(cl)
		}
		t.DownloadAll()
	}
	for _, t := range leechers {
		select {
		case <-t.Complete().On():
		case <-ctx.Done():
			return measure{}, fmt.Errorf("anacrolix leecher still misses %d bytes: %w", t.BytesMissing(), ctx.Err())
		}
	}
	return done(), nil
}
