package enc

import (
	"fmt"

	"github.com/networkutopia/p2p/transport"
)

// Protocol is one of the overlay's own protocols: a message is a kind
// byte and a body, which Write and Read know for each message type.
type Protocol struct {
	// Name prefixes the errors of Marshal ("napster").
	Name string
	// Write appends m, kind first, and reports whether it knows m's
	// type.
	Write func(w *Writer, m transport.Message) bool
	// Read reads a kind and its body, and returns nil for an unknown
	// kind.
	Read func(r *Reader) transport.Message
}

// Encode returns m's encoding, or nil if Write does not know its type.
func (p Protocol) Encode(m transport.Message) []byte {
	var w Writer
	if !p.Write(&w, m) {
		return nil
	}
	return w.B
}

// Marshal encodes m, or fails for a type Write does not know.
func (p Protocol) Marshal(m transport.Message) ([]byte, error) {
	b := p.Encode(m)
	if b == nil {
		return nil, fmt.Errorf("%s: cannot encode %T", p.Name, m)
	}
	return b, nil
}

// Unmarshal decodes one message, which must use all of b.
func (p Protocol) Unmarshal(b []byte) (transport.Message, error) {
	r := Reader{B: b}
	m := p.Read(&r)
	if m == nil {
		return nil, fmt.Errorf("%w: unknown kind", ErrMalformed)
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	return m, nil
}
