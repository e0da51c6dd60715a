package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/networkutopia/p2p/examples/internal/uppercase"
	"github.com/networkutopia/p2p/transport"
)

func init() {
	register(step{
		Order: 10,
		Name:  "uppercase",
		Title: "the textbook's socket example: a TCP and a UDP server upper-case each line",
		Run:   runUppercase,
	})
}

func runUppercase(ctx context.Context, w io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	const lines = "hello from the tour\nnetwork utopia\n"

	tcp := &transport.TCP{}
	l, err := tcp.Listen("/ip4/127.0.0.1/tcp/0")
	if err != nil {
		return err
	}
	udp := &transport.UDP{}
	pc, err := udp.ListenPacket("/ip4/127.0.0.1/udp/0")
	if err != nil {
		l.Close()
		return err
	}
	served := make(chan error, 2)
	go func() { served <- uppercase.ServeStream(ctx, l) }()
	go func() { served <- uppercase.ServePacket(ctx, pc) }()

	fmt.Fprintf(w, "TCP server on %s, UDP server on %s\n", addrOf(l.Addr()), addrOf(pc.LocalAddr()))
	fmt.Fprintln(w, "TCP client sends:", strings.ReplaceAll(strings.TrimSpace(lines), "\n", " | "))
	errTCP := uppercase.StreamClient(ctx, tcp, addrOf(l.Addr()), strings.NewReader(lines), indent(w, "  tcp reply: "))
	fmt.Fprintln(w, "UDP client sends the same lines, one datagram each")
	errUDP := uppercase.PacketClient(ctx, udp, "/ip4/127.0.0.1/udp/0", addrOf(pc.LocalAddr()),
		strings.NewReader(lines), indent(w, "  udp reply: "), 2*time.Second)
	cancel()
	return errors.Join(errTCP, errUDP, <-served, <-served)
}

func addrOf(a net.Addr) transport.Addr { return transport.FromNetAddr(a) }

// indent returns a writer that prefixes each line written to w.
func indent(w io.Writer, prefix string) io.Writer {
	return &prefixWriter{w: w, prefix: prefix, bol: true}
}

type prefixWriter struct {
	w      io.Writer
	prefix string
	bol    bool // at the beginning of a line
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	for i, c := range b {
		if p.bol {
			if _, err := io.WriteString(p.w, p.prefix); err != nil {
				return i, err
			}
			p.bol = false
		}
		if _, err := p.w.Write([]byte{c}); err != nil {
			return i, err
		}
		p.bol = c == '\n'
	}
	return len(b), nil
}
