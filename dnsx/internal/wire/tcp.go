package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxMsgSize is the largest message: a TCP message's 2-byte length.
const MaxMsgSize = 65535

// ErrFormat is wrapped by the errors for a message that does not parse or
// does not fit; package dnsx exports it as dnsx.ErrFormat.
var ErrFormat = errors.New("dnsx: malformed message")

// ReadTCP reads one length-prefixed message (RFC 1035 section 4.2.2)
// into buf.
func ReadTCP(r *bufio.Reader, buf []byte) ([]byte, error) {
	var l [2]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, err
	}
	return ReadTCPBody(r, l, buf)
}

// ReadTCPBody reads into buf the message whose length prefix is l; a
// length below a header, or beyond buf, is an error wrapping ErrFormat.
func ReadTCPBody(r *bufio.Reader, l [2]byte, buf []byte) ([]byte, error) {
	n := int(binary.BigEndian.Uint16(l[:]))
	if n < HeaderLen || n > len(buf) {
		return nil, fmt.Errorf("%w: TCP message of %d bytes", ErrFormat, n)
	}
	if _, err := io.ReadFull(r, buf[:n]); err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// WriteTCP writes one length-prefixed message.
func WriteTCP(w *bufio.Writer, m []byte) error {
	if len(m) > MaxMsgSize {
		return fmt.Errorf("%w: message of %d bytes", ErrFormat, len(m))
	}
	w.WriteByte(byte(len(m) >> 8))
	w.WriteByte(byte(len(m)))
	_, err := w.Write(m)
	return err
}
