// Command uppercase is the classic socket example: a client reads lines from
// standard input and sends them to a server, which upper-cases each line and
// sends it back; the client prints the replies.
//
// By default it starts a TCP server on 127.0.0.1:6789 and runs the client
// against it in the same process:
//
//	echo "hello, world" | go run ./examples/uppercase
//	HELLO, WORLD
//
// Flags pick the protocol (-proto tcp|udp) and the role (-mode both|server|
// client), so the server and the client can also run in separate processes
// or on separate machines:
//
//	go run ./examples/uppercase -mode server -proto udp -addr 0.0.0.0:6789
//	go run ./examples/uppercase -mode client -proto udp -addr 192.0.2.7:6789
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/networkutopia/p2p/examples/internal/uppercase"
	"github.com/networkutopia/p2p/transport"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.mode, "mode", "both", "both (server and client in one process), server, or client")
	flag.StringVar(&cfg.proto, "proto", "tcp", "tcp or udp")
	flag.StringVar(&cfg.addr, "addr", fmt.Sprintf("127.0.0.1:%d", uppercase.DefaultPort), "server address, host:port")
	flag.DurationVar(&cfg.timeout, "timeout", 2*time.Second, "UDP: how long the client waits for each reply")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "uppercase:", err)
		os.Exit(1)
	}
}

type config struct {
	mode, proto, addr string
	timeout           time.Duration
}

// run starts the server, the client or both, as cfg says.
func run(ctx context.Context, cfg config, in io.Reader, out io.Writer) error {
	addr, err := serverAddr(cfg)
	if err != nil {
		return err
	}
	switch cfg.mode {
	case "server":
		fmt.Fprintf(out, "server listening on %s\n", addr)
		return serve(ctx, cfg.proto, addr, nil)
	case "client":
		return client(ctx, cfg, addr, in, out)
	case "both":
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		ready := make(chan transport.Addr, 1)
		done := make(chan error, 1)
		go func() { done <- serve(ctx, cfg.proto, addr, ready) }()
		select {
		case addr = <-ready:
		case err := <-done:
			return err
		}
		err := client(ctx, cfg, addr, in, out)
		cancel()
		return errors.Join(err, <-done)
	}
	return fmt.Errorf("unknown -mode %q (want both, server or client)", cfg.mode)
}

func serverAddr(cfg config) (transport.Addr, error) {
	switch cfg.proto {
	case "tcp":
		return transport.TCPAddr(cfg.addr)
	case "udp":
		return transport.UDPAddr(cfg.addr)
	}
	return "", fmt.Errorf("unknown -proto %q (want tcp or udp)", cfg.proto)
}

// serve runs the server until ctx ends, telling ready (if not nil) the
// address it listens on once it does.
func serve(ctx context.Context, proto string, addr transport.Addr, ready chan<- transport.Addr) error {
	tell := func(a transport.Addr) {
		if ready != nil {
			ready <- a
		}
	}
	if proto == "udp" {
		pc, err := (&transport.UDP{}).ListenPacket(addr)
		if err != nil {
			return err
		}
		tell(transport.FromNetAddr(pc.LocalAddr()))
		return uppercase.ServePacket(ctx, pc)
	}
	l, err := (&transport.TCP{}).Listen(addr)
	if err != nil {
		return err
	}
	tell(transport.FromNetAddr(l.Addr()))
	return uppercase.ServeStream(ctx, l)
}

func client(ctx context.Context, cfg config, addr transport.Addr, in io.Reader, out io.Writer) error {
	if cfg.proto == "udp" {
		local := transport.Addr("/ip4/0.0.0.0/udp/0")
		if ip, err := transport.ParseIPAddr(addr); err == nil && ip.Proto == "ip6" {
			local = "/ip6/::/udp/0"
		}
		return uppercase.PacketClient(ctx, &transport.UDP{}, local, addr, in, out, cfg.timeout)
	}
	return uppercase.StreamClient(ctx, &transport.TCP{}, addr, in, out)
}
