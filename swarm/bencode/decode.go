package bencode

import (
	"fmt"
	"strconv"
)

// Limits bounds what the decoder accepts. The zero value means the
// defaults.
type Limits struct {
	// MaxDepth is the deepest nesting of lists and dictionaries accepted.
	// Default 64.
	MaxDepth int
	// MaxSize is the longest input accepted, in bytes. Default 16 MiB,
	// enough for the metainfo of a torrent with a million pieces.
	MaxSize int
}

// Default limits.
const (
	DefaultMaxDepth = 64
	DefaultMaxSize  = 16 << 20
)

func (l Limits) depth() int {
	if l.MaxDepth > 0 {
		return l.MaxDepth
	}
	return DefaultMaxDepth
}

func (l Limits) size() int {
	if l.MaxSize > 0 {
		return l.MaxSize
	}
	return DefaultMaxSize
}

// Unmarshal decodes exactly one value that spans all of b, with the default
// [Limits]. Integers come back as int64, strings as string, lists as []any
// and dictionaries as map[string]any.
func Unmarshal(b []byte) (any, error) { return Limits{}.Unmarshal(b) }

// Unmarshal decodes exactly one value that spans all of b within l.
func (l Limits) Unmarshal(b []byte) (any, error) {
	v, n, err := l.UnmarshalPrefix(b)
	if err != nil {
		return nil, err
	}
	if n != len(b) {
		return nil, fmt.Errorf("%w: %d bytes at offset %d", ErrTrailing, len(b)-n, n)
	}
	return v, nil
}

// UnmarshalPrefix decodes the value at the start of b and returns it with
// the number of bytes it took.
func (l Limits) UnmarshalPrefix(b []byte) (any, int, error) {
	if len(b) > l.size() {
		return nil, 0, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(b), l.size())
	}
	d := decoder{buf: b, maxDepth: l.depth()}
	v, err := d.value(0)
	if err != nil {
		return nil, 0, err
	}
	return v, d.pos, nil
}

type decoder struct {
	buf      []byte
	pos      int
	maxDepth int
}

func (d *decoder) errorf(kind error, format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", kind, d.pos, fmt.Sprintf(format, args...))
}

func (d *decoder) value(depth int) (any, error) {
	if d.pos >= len(d.buf) {
		return nil, d.errorf(ErrSyntax, "unexpected end of input")
	}
	switch c := d.buf[d.pos]; {
	case c == 'i':
		return d.integer()
	case c >= '0' && c <= '9':
		return d.str()
	case c == 'l', c == 'd':
		if depth >= d.maxDepth {
			return nil, d.errorf(ErrTooDeep, "more than %d levels", d.maxDepth)
		}
		if c == 'l' {
			return d.list(depth + 1)
		}
		return d.dict(depth + 1)
	default:
		return nil, d.errorf(ErrSyntax, "unexpected byte %q", c)
	}
}

// digits returns the decimal digits starting at d.pos up to the terminator
// and checks they are canonical: no leading zero, no negative zero.
func (d *decoder) digits(term byte, allowMinus bool) (string, error) {
	start := d.pos
	end := start
	for end < len(d.buf) && d.buf[end] != term {
		end++
	}
	if end == len(d.buf) {
		return "", d.errorf(ErrSyntax, "missing %q", term)
	}
	s := string(d.buf[start:end])
	t := s
	if allowMinus && len(t) > 0 && t[0] == '-' {
		t = t[1:]
		if t == "0" {
			return "", d.errorf(ErrNonCanonical, "negative zero")
		}
	}
	if t == "" {
		return "", d.errorf(ErrSyntax, "empty number")
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return "", d.errorf(ErrSyntax, "bad digit %q", t[i])
		}
	}
	if len(t) > 1 && t[0] == '0' {
		return "", d.errorf(ErrNonCanonical, "leading zero in %q", s)
	}
	d.pos = end + 1
	return s, nil
}

func (d *decoder) integer() (any, error) {
	d.pos++ // 'i'
	s, err := d.digits('e', true)
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, d.errorf(ErrSyntax, "integer %q out of range", s)
	}
	return n, nil
}

func (d *decoder) str() (any, error) {
	b, err := d.bytes()
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// bytes reads a string and returns it without copying.
func (d *decoder) bytes() ([]byte, error) {
	s, err := d.digits(':', false)
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseUint(s, 10, 63)
	if err != nil || n > uint64(len(d.buf)-d.pos) {
		return nil, d.errorf(ErrSyntax, "string length %s exceeds the %d bytes left", s, len(d.buf)-d.pos)
	}
	b := d.buf[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b, nil
}

func (d *decoder) list(depth int) (any, error) {
	d.pos++ // 'l'
	out := []any{}
	for {
		if d.pos >= len(d.buf) {
			return nil, d.errorf(ErrSyntax, "unterminated list")
		}
		if d.buf[d.pos] == 'e' {
			d.pos++
			return out, nil
		}
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

func (d *decoder) dict(depth int) (any, error) {
	d.pos++ // 'd'
	out := map[string]any{}
	var prev []byte
	first := true
	for {
		if d.pos >= len(d.buf) {
			return nil, d.errorf(ErrSyntax, "unterminated dictionary")
		}
		c := d.buf[d.pos]
		if c == 'e' {
			d.pos++
			return out, nil
		}
		if c < '0' || c > '9' {
			return nil, d.errorf(ErrSyntax, "dictionary key must be a string, got %q", c)
		}
		key, err := d.bytes()
		if err != nil {
			return nil, err
		}
		if !first && string(key) <= string(prev) {
			return nil, d.errorf(ErrNonCanonical, "key %q after %q: keys must be sorted and unique", key, prev)
		}
		first, prev = false, key
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		out[string(key)] = v
	}
}
