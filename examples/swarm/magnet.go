package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/networkutopia/p2p/swarm"
	"github.com/networkutopia/p2p/transport"
)

// magnet downloads from a magnet link: the info dictionary from peers
// (BEP 9), then the content, then seeds as -seed-time and -seed-ratio
// ask.
func magnet(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("magnet", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: swarm magnet [flags] 'magnet:?xt=urn:btih:...'")
		fs.PrintDefaults()
	}
	dir := fs.String("dir", ".", "directory receiving the content")
	listen := fs.String("listen", "/ip4/0.0.0.0/tcp/0", "where to accept peers")
	downLimit := fs.Int64("down-limit", 0, "download rate limit in bytes/s (0: none)")
	var peers peerList
	fs.Var(&peers, "peer", "peer address to connect to besides the link's x.pe (host:port or multiaddr; repeatable)")
	var after seeding
	after.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("magnet: want exactly one magnet link")
	}
	c, err := swarm.NewClient(swarm.ClientConfig{Listen: transport.Addr(*listen), Peer: swarm.PeerConfig{DownloadLimit: *downLimit}})
	if err != nil {
		return err
	}
	defer c.Close()
	link := fs.Arg(0)
	for _, p := range peers {
		ip, err := transport.ParseIPAddr(p)
		if err != nil {
			return fmt.Errorf("-peer %s: %w", p, err)
		}
		link += "&x.pe=" + ip.HostPort()
	}
	fmt.Fprintln(out, "fetching the metadata from peers...")
	t, err := c.AddMagnet(ctx, link, *dir)
	if err != nil {
		return err
	}
	mi := t.MetaInfo()
	fmt.Fprintf(out, "download %s (%s, %d bytes) on %s\n", mi.Info.Name, mi.InfoHash, mi.Info.TotalLength(), t.Addr())
	return after.download(ctx, t, out)
}
