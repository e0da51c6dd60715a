// Command crossprocess is our side of the cross-process BitTorrent
// benchmark (run.sh in this directory): one seeder or one leecher per
// process, on loopback, over TCP or uTP only, timed from the first dial
// to the last verified piece.
//
//	crossprocess create FILE TORRENT
//	crossprocess seed -torrent T -dir D -port P -net tcp|utp
//	crossprocess leech -torrent T -dir D -port P -peer PORT -net tcp|utp
//
// seed prints "ready" and seeds until killed; leech prints "seconds S"
// and "MB/s R" when the download completes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/networkutopia/p2p/swarm"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/utp"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "crossprocess:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 3 && args[0] == "create" {
		mi, err := metainfo.Create(args[1], metainfo.CreateConfig{})
		if err != nil {
			return err
		}
		return mi.Save(args[2])
	}
	if len(args) == 0 || (args[0] != "seed" && args[0] != "leech") {
		return errors.New("usage: crossprocess create, seed or leech")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	torrent := fs.String("torrent", "", ".torrent file")
	dir := fs.String("dir", ".", "content directory")
	port := fs.Int("port", 0, "listening port (TCP and UDP)")
	peer := fs.Int("peer", 0, "the seeder's port (leech)")
	netw := fs.String("net", "tcp", "tcp or utp: the only transport dialled")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	order := utp.TCPOnly
	if *netw == "utp" {
		order = utp.UTPOnly
	}
	mi, err := metainfo.Load(*torrent)
	if err != nil {
		return err
	}
	c, err := swarm.NewClient(swarm.ClientConfig{
		Listen: transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", *port)),
		UTP:    order,
	})
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	t, err := c.Add(mi, *dir)
	if err != nil {
		return err
	}
	if args[0] == "seed" {
		fmt.Println("ready")
		return t.Seed(ctx)
	}
	start := time.Now()
	proto := "tcp"
	if order == utp.UTPOnly {
		proto = "udp"
	}
	if err := t.AddPeers(transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/%s/%d", proto, *peer))); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	select {
	case <-t.Done():
	case <-ctx.Done():
		return fmt.Errorf("download did not complete: %w", ctx.Err())
	}
	el := time.Since(start)
	fmt.Printf("seconds %.3f\nMB/s %.1f\n", el.Seconds(), float64(mi.Info.TotalLength())/1e6/el.Seconds())
	return nil
}
