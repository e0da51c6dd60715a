// Package uppercase holds the classic socket example of Kurose and Ross: a
// client reads lines, a server upper-cases each and sends it back. It is
// shared by examples/uppercase (the standalone program) and examples/tour.
//
// The servers run on any [transport.StreamTransport] or
// [transport.PacketTransport], so the same code serves TCP, UDP, the
// in-memory network or libp2p.
package uppercase

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// DefaultPort is the port of the textbook's server.
const DefaultPort = 6789

// MaxLine bounds one line (TCP) or one datagram (UDP), so a client that
// never sends a newline cannot make the server buffer without end.
const MaxLine = 64 << 10

// IdleTimeout is how long the TCP server waits for the next line of a client
// before it hangs up and welcomes the next one.
const IdleTimeout = 30 * time.Second

// ErrLineTooLong is returned when a line exceeds MaxLine.
var ErrLineTooLong = errors.New("uppercase: line too long")

// ServeStream welcomes clients on l and serves one connection after
// another, as the textbook's TCPServer does: it reads lines and answers each
// with its upper-cased copy. It returns when ctx ends or l is closed; the
// error is nil in the first case.
func ServeStream(ctx context.Context, l net.Listener) error {
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		unblock := context.AfterFunc(ctx, func() { conn.Close() })
		_ = serveConn(conn) // one client's error never stops the server
		unblock()
		conn.Close()
	}
}

func serveConn(conn net.Conn) error {
	r := bufio.NewReaderSize(conn, 4096)
	for {
		if err := conn.SetReadDeadline(time.Now().Add(IdleTimeout)); err != nil {
			return err
		}
		line, err := readLine(r)
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if _, err := conn.Write(append(bytes.ToUpper(line), '\n')); err != nil {
			return err
		}
	}
}

// readLine reads one '\n'-terminated line (without the terminator), at most
// MaxLine bytes. A final line without '\n' is returned as is.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > MaxLine {
			return nil, ErrLineTooLong
		}
		switch {
		case err == nil:
			return bytes.TrimRight(line, "\r\n"), nil
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(line) > 0:
			return line, nil
		default:
			return nil, err
		}
	}
}

// ServePacket answers every datagram on pc with its upper-cased copy, sent
// back to the address it came from, until ctx ends or pc is closed.
func ServePacket(ctx context.Context, pc net.PacketConn) error {
	stop := context.AfterFunc(ctx, func() { pc.Close() })
	defer stop()
	buf := make([]byte, MaxLine)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if _, err := pc.WriteTo(bytes.ToUpper(buf[:n]), from); err != nil && ctx.Err() != nil {
			return nil
		}
	}
}

// StreamClient dials addr, sends each line of in and writes each reply to
// out, like the textbook's TCPClient (which sends one line; this one keeps
// going until in ends).
func StreamClient(ctx context.Context, t transport.StreamTransport, addr transport.Addr, in io.Reader, out io.Writer) error {
	conn, err := t.Dial(ctx, addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	replies := bufio.NewReader(conn)
	lines := bufio.NewReader(in)
	for {
		line, err := readLine(lines)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := conn.Write(append(line, '\n')); err != nil {
			return err
		}
		reply, err := readLine(replies)
		if err != nil {
			return fmt.Errorf("uppercase: reading reply: %w", err)
		}
		if _, err := fmt.Fprintf(out, "%s\n", reply); err != nil {
			return err
		}
	}
}

// PacketClient sends each line of in as one datagram to addr and writes each
// reply to out, like the textbook's UDPClient. A reply that does not come
// within timeout is an error wrapping transport.ErrTimeout (UDP may lose it).
func PacketClient(ctx context.Context, t transport.PacketTransport, local, addr transport.Addr, in io.Reader, out io.Writer, timeout time.Duration) error {
	to, err := t.ResolvePacket(addr)
	if err != nil {
		return err
	}
	pc, err := t.ListenPacket(local)
	if err != nil {
		return err
	}
	defer pc.Close()
	stop := context.AfterFunc(ctx, func() { pc.Close() })
	defer stop()
	lines := bufio.NewReader(in)
	buf := make([]byte, MaxLine)
	for {
		line, err := readLine(lines)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := pc.WriteTo(line, to); err != nil {
			return err
		}
		if err := pc.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			return err
		}
		reply, err := readReply(pc, buf, to)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return fmt.Errorf("%w: no reply from %s within %v", transport.ErrTimeout, addr, timeout)
			}
			return err
		}
		if _, err := fmt.Fprintf(out, "%s\n", reply); err != nil {
			return err
		}
	}
}

// readReply returns the next datagram that comes from server, skipping
// strays from anyone else.
func readReply(pc net.PacketConn, buf []byte, server net.Addr) ([]byte, error) {
	want := transport.FromNetAddr(server)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return nil, err
		}
		if transport.FromNetAddr(from) == want {
			return buf[:n], nil
		}
	}
}
