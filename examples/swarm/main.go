// Command swarm is a small BitTorrent client built on package swarm.
//
// With no arguments it runs a demonstration in one process: it writes a
// file, starts a tracker, seeds the file and downloads it with a progress
// bar:
//
//	go run ./examples/swarm
//
// It is also a standalone client, one role per process, so a swarm can span
// processes and machines:
//
//	go run ./examples/swarm create -tracker http://HOST:6969/announce -o f.torrent FILE
//	go run ./examples/swarm tracker -addr :6969
//	go run ./examples/swarm udp-tracker -addr :6969 # BEP 15: create -tracker udp://HOST:6969/announce
//	go run ./examples/swarm seed -torrent f.torrent -dir DIR_WITH_FILE
//	go run ./examples/swarm download -torrent f.torrent -dir DIR
//	go run ./examples/swarm magnet -dir DIR 'magnet:?xt=urn:btih:...&tr=...'
//
// download and magnet exit once the download is complete, unless
// -seed-time (a duration; negative: until interrupted) or -seed-ratio
// (uploaded bytes over the torrent's size) ask them to keep seeding; they
// stop at the first of the two reached. Progress is a bar redrawn in place
// on a terminal, and one plain line every few seconds otherwise (a log).
//
// seed and download also take -listen (a multiaddr such as
// /ip4/0.0.0.0/tcp/6881), -peer ADDR (repeatable) to connect without a
// tracker, -up-limit and -down-limit (bytes/s) to cap the rates, and
// -metrics ADDR to serve Prometheus metrics on http://ADDR/metrics. The
// client speaks the standard wire protocol, so stock clients
// (aria2, Transmission) can join the swarm.
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
	"time"

	"github.com/networkutopia/p2p/examples/internal/metricsserver"
	"github.com/networkutopia/p2p/swarm"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/tracker"
	"github.com/networkutopia/p2p/transport"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "swarm:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return demo(ctx, out, 64<<20)
	}
	switch args[0] {
	case "create":
		return create(args[1:], out)
	case "tracker", "udp-tracker":
		return runTracker(ctx, args[0], args[1:], out)
	case "seed", "download":
		return share(ctx, args[0], args[1:], out)
	case "magnet":
		return magnet(ctx, args[1:], out)
	case "demo":
		fs := flag.NewFlagSet("demo", flag.ContinueOnError)
		fs.SetOutput(out)
		fs.Usage = func() {
			fmt.Fprintln(out, "usage: swarm demo (no flags): seed a 64 MiB file through a local tracker and download it")
		}
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return demo(ctx, out, 64<<20)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(out, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q: want create, tracker, seed, download, magnet or demo (swarm -h for help)", args[0])
}

// usage is what swarm -h prints.
const usage = `usage: swarm [command] [flags]

With no command, runs the demo. Commands (each takes -h):
  create    write a .torrent for a file or directory
  tracker   run an HTTP tracker
  udp-tracker  run a UDP tracker (BEP 15)
  seed      seed a torrent from a directory that holds its files
  download  download a torrent into a directory
  magnet    download from a magnet link (metadata from peers) into a directory
  demo      seed a 64 MiB file through a local tracker and download it
`

func create(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("create", flag.ContinueOnError)
	fs.SetOutput(out)
	announce := fs.String("tracker", "", "tracker announce URL")
	o := fs.String("o", "", "output .torrent file (default: PATH.torrent)")
	piece := fs.Int64("piece", metainfo.DefaultPieceLength, "piece length in bytes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("create: want exactly one file or directory")
	}
	mi, err := metainfo.Create(fs.Arg(0), metainfo.CreateConfig{Announce: *announce, PieceLength: *piece, CreationDate: time.Now()})
	if err != nil {
		return err
	}
	if *o == "" {
		*o = filepath.Base(filepath.Clean(fs.Arg(0))) + ".torrent"
	}
	if err := mi.Save(*o); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s: %d pieces, info-hash %s\n", *o, mi.Info.NumPieces(), mi.InfoHash)
	return nil
}

func runTracker(ctx context.Context, role string, args []string, out io.Writer) error {
	fs := flag.NewFlagSet(role, flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", ":6969", "listen address")
	interval := fs.Duration("interval", time.Minute, "announce interval")
	if err := fs.Parse(args); err != nil {
		return err
	}
	httpAddr, udpAddr := *addr, ""
	if role == "udp-tracker" {
		httpAddr, udpAddr = "", *addr
	}
	srv, err := startTracker(httpAddr, udpAddr, *interval)
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintln(out, "tracker at", srv.AnnounceURL()+srv.UDPAnnounceURL())
	<-ctx.Done()
	return ctx.Err()
}

// startTracker serves a tracker over HTTP on httpAddr and over UDP on
// udpAddr (either may be "": not served) until it is closed; Start gives
// it the tracker package's timeouts and connection caps.
func startTracker(httpAddr, udpAddr string, interval time.Duration) (*tracker.Server, error) {
	srv, err := tracker.NewServer(tracker.Config{Interval: interval, MinInterval: min(interval, 5*time.Second)})
	if err != nil {
		return nil, err
	}
	if httpAddr != "" {
		err = srv.Start(httpAddr)
	}
	if err == nil && udpAddr != "" {
		err = srv.StartUDP(udpAddr)
	}
	if err != nil {
		srv.Close()
		return nil, err
	}
	return srv, nil
}

type peerList []transport.Addr

func (p *peerList) String() string { return fmt.Sprint(*p) }
func (p *peerList) Set(s string) error {
	if !strings.HasPrefix(s, "/") {
		a, err := transport.TCPAddr(s)
		if err != nil {
			return err
		}
		s = string(a)
	}
	*p = append(*p, transport.Addr(s))
	return nil
}

func share(ctx context.Context, role string, args []string, out io.Writer) error {
	fs := flag.NewFlagSet(role, flag.ContinueOnError)
	fs.SetOutput(out)
	torrent := fs.String("torrent", "", ".torrent file")
	dir := fs.String("dir", ".", "directory holding (or receiving) the content")
	listen := fs.String("listen", "/ip4/0.0.0.0/tcp/0", "where to accept peers")
	upLimit := fs.Int64("up-limit", 0, "upload rate limit in bytes/s (0: none)")
	downLimit := fs.Int64("down-limit", 0, "download rate limit in bytes/s (0: none)")
	metricsAddr := fs.String("metrics", "", "serve Prometheus metrics on http://ADDR/metrics (host:port)")
	var peers peerList
	fs.Var(&peers, "peer", "peer address to connect to (host:port or multiaddr; repeatable)")
	var after seeding
	if role == "download" {
		after.flags(fs)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	mi, err := metainfo.Load(*torrent)
	if err != nil {
		return err
	}
	cfg := swarm.ClientConfig{
		Listen: transport.Addr(*listen),
		Peer:   swarm.PeerConfig{UploadLimit: *upLimit, DownloadLimit: *downLimit},
	}
	if *metricsAddr != "" {
		ms, err := metricsserver.Start(*metricsAddr)
		if err != nil {
			return fmt.Errorf("-metrics: %w", err)
		}
		defer ms.Close()
		cfg.Metrics = ms.Registry
		fmt.Fprintf(out, "metrics on http://%s/metrics\n", ms.Addr())
	}
	c, err := swarm.NewClient(cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	t, err := c.Add(mi, *dir)
	if err != nil {
		return err
	}
	if p, err := t.Progress(ctx); err == nil && p.Rechecked > 0 {
		fmt.Fprintf(out, "found %d of %d pieces in %s (%d hashed)\n", p.Pieces, p.NumPieces, *dir, p.Rechecked)
	}
	fmt.Fprintf(out, "magnet link: %s\n", mi.Magnet())
	fmt.Fprintf(out, "%s %s (%s) on %s\n", role, mi.Info.Name, mi.InfoHash, t.Addr())
	if len(peers) > 0 {
		if err := t.AddPeers(peers...); err != nil {
			return err
		}
	}
	if role == "download" {
		return after.download(ctx, t, out)
	}
	return t.Seed(ctx)
}

// progressBar draws the download's progress until it completes: a bar
// redrawn in place on a terminal, otherwise a plain line every
// plainEvery (and the last one). The final line gives the whole
// transfer's rate.
func progressBar(ctx context.Context, t *swarm.Torrent, out io.Writer) error {
	start := time.Now()
	tty := isTerminal(out)
	var last swarm.Progress
	var printed time.Time
	var rate *rateWindow
	for p := range t.Watch(ctx, 200*time.Millisecond) {
		last = p
		if rate == nil {
			rate = newRateWindow(start, p.Have)
		}
		rate.add(time.Now(), p.Have)
		switch {
		case tty:
			fmt.Fprint(out, "\r"+p.Bar(30)+rate.suffix())
		case p.Done || time.Since(printed) >= plainEvery:
			printed = time.Now()
			fmt.Fprintln(out, p.Bar(30)+rate.suffix())
		}
	}
	if tty {
		fmt.Fprintln(out)
	}
	if !last.Done {
		if err := ctx.Err(); err != nil {
			return err
		}
		return errors.New("download stopped before completing")
	}
	took := time.Since(start)
	fmt.Fprintf(out, "%d bytes in %v (mean %.1f MiB/s)\n", last.Total, took.Round(time.Millisecond), float64(last.Total)/(1<<20)/took.Seconds())
	return nil
}

// plainEvery is how often progress is printed when the output is not a
// terminal.
const plainEvery = 5 * time.Second

// isTerminal reports whether out is a character device (a terminal).
func isTerminal(out io.Writer) bool {
	f, ok := out.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// demo runs tracker, seed and leecher in one process over loopback.
func demo(ctx context.Context, out io.Writer, size int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work, err := os.MkdirTemp("", "swarm-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	seedDir, leechDir := filepath.Join(work, "seed"), filepath.Join(work, "leech")
	if err := os.MkdirAll(seedDir, 0o755); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(seedDir, "demo.bin"), size); err != nil {
		return err
	}
	srv, err := startTracker("127.0.0.1:0", "", 2*time.Second)
	if err != nil {
		return err
	}
	defer srv.Close()
	mi, err := metainfo.Create(filepath.Join(seedDir, "demo.bin"), metainfo.CreateConfig{
		Announce: srv.AnnounceURL(),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "sharing %d MiB in %d pieces through the tracker at %s\n", size>>20, mi.Info.NumPieces(), mi.Announce)
	c, err := swarm.NewClient(swarm.ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0"})
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Add(mi, seedDir); err != nil {
		return err
	}
	l, err := swarm.NewClient(swarm.ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0"})
	if err != nil {
		return err
	}
	defer l.Close()
	t, err := l.Add(mi, leechDir)
	if err != nil {
		return err
	}
	return progressBar(ctx, t, out)
}

// writeFile writes size bytes of a repeating non-trivial pattern.
func writeFile(path string, size int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i*7 + i>>8)
	}
	for done := 0; done < size; done += len(buf) {
		if _, err := f.Write(buf[:min(len(buf), size-done)]); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}
