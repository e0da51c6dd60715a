package gnutella

import (
	"bufio"
	"fmt"
	"maps"
	"net/textproto"
	"slices"
	"strings"
)

// The text lines of the 0.6 connect handshake.
const (
	connectLine = "GNUTELLA CONNECT/0.6"
	okLine      = "GNUTELLA/0.6 200 OK"
	// ConnectPrefix is how a Gnutella connection starts; a listener that
	// also serves HTTP sniffs for it.
	ConnectPrefix = "GNUTELLA CONNECT/"
)

// Limits of the handshake, so that a peer cannot make us read or keep
// unbounded text.
const (
	maxHandshakeLine    = 4096
	maxHandshakeHeaders = 64
)

// Hello is the first message a codec's Decode returns on each connection:
// what the other side said in its handshake. Encoding it writes nothing.
type Hello struct {
	// Headers are the other side's handshake headers, with canonical
	// keys ("User-Agent", "Listen-Ip", "X-Ultrapeer").
	Headers map[string]string
	// Inbound reports whether the other side opened the connection.
	Inbound bool
}

// Size is 0: the handshake is not a message on the wire.
func (*Hello) Size() int { return 0 }

// writeHandshake writes a status or request line, the headers sorted by
// name, and the empty line, and flushes.
func writeHandshake(w *bufio.Writer, first string, headers map[string]string) error {
	var b strings.Builder
	b.WriteString(first)
	b.WriteString("\r\n")
	for _, k := range slices.Sorted(maps.Keys(headers)) {
		fmt.Fprintf(&b, "%s: %s\r\n", k, headers[k])
	}
	b.WriteString("\r\n")
	if _, err := w.WriteString(b.String()); err != nil {
		return err
	}
	return w.Flush()
}

// readLine reads one CRLF (or LF) terminated line of at most
// maxHandshakeLine bytes.
func readLine(r *bufio.Reader) (string, error) {
	var line []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			return "", err
		}
		if len(line)+len(chunk) > maxHandshakeLine {
			return "", fmt.Errorf("%w: handshake line longer than %d bytes", ErrMalformed, maxHandshakeLine)
		}
		line = append(line, chunk...)
		if !isPrefix {
			return string(line), nil
		}
	}
}

// readHandshake reads a first line and the headers up to the empty line.
func readHandshake(r *bufio.Reader) (first string, headers map[string]string, err error) {
	if first, err = readLine(r); err != nil {
		return "", nil, err
	}
	headers = make(map[string]string)
	for range maxHandshakeHeaders + 1 {
		line, err := readLine(r)
		if err != nil {
			return "", nil, err
		}
		if line == "" {
			return first, headers, nil
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return "", nil, fmt.Errorf("%w: handshake header %q has no colon", ErrMalformed, line)
		}
		headers[textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return "", nil, fmt.Errorf("%w: more than %d handshake headers", ErrMalformed, maxHandshakeHeaders)
}

// parseStatus splits "GNUTELLA/0.6 200 OK" into its code and reason.
func parseStatus(line string) (code int, reason string, err error) {
	rest, ok := strings.CutPrefix(line, "GNUTELLA/")
	if !ok {
		return 0, "", fmt.Errorf("%w: handshake status line %q", ErrMalformed, line)
	}
	_, rest, _ = strings.Cut(rest, " ") // version
	codeText, reason, _ := strings.Cut(rest, " ")
	if _, err := fmt.Sscanf(codeText, "%d", &code); err != nil || code < 100 || code > 999 {
		return 0, "", fmt.Errorf("%w: handshake status line %q", ErrMalformed, line)
	}
	return code, reason, nil
}
