package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/networkutopia/p2p/swarm/mainline"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport"
)

// runMainline runs one BEP 5 node (-mode mainline). It reads commands on
// standard input, one a line:
//
//	announce INFOHASH PORT   announce this host as a peer (PORT 0: implied)
//	get INFOHASH             print the peers found
//	table                    dump the routing table, one contact a line
//	stats                    print the node's counters
//	quit                     exit
//
// INFOHASH is 40 hex digits. -listen and -bootstrap take host:port or a
// UDP multiaddr.
func runMainline(ctx context.Context, cfg config, in io.Reader, out io.Writer) error {
	listen, err := udpAddr(cfg.listen)
	if err != nil {
		return fmt.Errorf("-listen: %w", err)
	}
	if strings.Contains(cfg.listen, "/tcp/") { // the flag's default is node mode's
		listen = mainline.DefaultListen
	}
	node, err := mainline.NewNode(mainline.NodeConfig{Listen: listen})
	if err != nil {
		return err
	}
	defer node.Close()
	if cfg.bootstrap != "" {
		boot, err := udpAddr(cfg.bootstrap)
		if err != nil {
			return fmt.Errorf("-bootstrap: %w", err)
		}
		bctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = node.Bootstrap(bctx, boot)
		cancel()
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "listening %s id %s\n", node.Addr(), node.ID())
	return serveLines(ctx, in, out, func(line string) (bool, error) { return mainlineCommand(ctx, node, line, out) })
}

// udpAddr takes host:port or a UDP multiaddr.
func udpAddr(s string) (transport.Addr, error) {
	if strings.HasPrefix(s, "/") {
		return transport.Addr(s), nil
	}
	return transport.UDPAddr(s)
}

func mainlineCommand(ctx context.Context, node *mainline.Node, line string, out io.Writer) (done bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	f := strings.Fields(line)
	if len(f) == 0 {
		return false, nil
	}
	infoHash := func() (metainfo.Hash, error) {
		var h metainfo.Hash
		if len(f) < 2 {
			return h, errors.New("missing INFOHASH")
		}
		b, err := hex.DecodeString(f[1])
		if err != nil || len(b) != len(h) {
			return h, fmt.Errorf("INFOHASH %q is not 40 hex digits", f[1])
		}
		return metainfo.Hash(b), nil
	}
	switch f[0] {
	case "announce":
		ih, err := infoHash()
		if err != nil {
			return false, err
		}
		if len(f) < 3 {
			return false, errors.New("usage: announce INFOHASH PORT")
		}
		port, err := strconv.Atoi(f[2])
		if err != nil {
			return false, fmt.Errorf("PORT %q: %w", f[2], err)
		}
		n, err := node.Announce(ctx, ih, port)
		if err != nil {
			return false, err
		}
		fmt.Fprintf(out, "announced to %d nodes\n", n)
	case "get":
		ih, err := infoHash()
		if err != nil {
			return false, err
		}
		peers, err := node.GetPeers(ctx, ih)
		if err != nil {
			return false, err
		}
		ps := make([]string, len(peers))
		for i, p := range peers {
			ps[i] = p.String()
		}
		fmt.Fprintf(out, "peers %d %s\n", len(peers), strings.Join(ps, " "))
	case "table":
		cs, err := node.Contacts(ctx)
		if err != nil {
			return false, err
		}
		for _, c := range cs {
			fmt.Fprintf(out, "contact %s %s\n", c.ID, c.Addr)
		}
		fmt.Fprintf(out, "contacts %d\n", len(cs))
	case "stats":
		s, err := node.Stats(ctx)
		if err != nil {
			return false, err
		}
		fmt.Fprintf(out, "%+v\n", s)
	case "quit":
		return true, nil
	default:
		return false, fmt.Errorf("unknown command %q (announce, get, table, stats, quit)", f[0])
	}
	return false, nil
}

// serveLines runs each line of in through do until do reports done, ctx
// ends, or in ends (then it keeps serving until ctx ends). Errors are
// printed as "error ...".
func serveLines(ctx context.Context, in io.Reader, out io.Writer, do func(line string) (done bool, err error)) error {
	lines := make(chan string)
	go func() { // ends when in does (a closed stdin, or the test's pipe)
		defer close(lines)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				<-ctx.Done() // stdin closed: keep serving until interrupted
				return nil
			}
			done, err := do(line)
			if err != nil {
				fmt.Fprintln(out, "error", err)
			}
			if done {
				return nil
			}
		}
	}
}
