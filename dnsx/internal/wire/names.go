package wire

import "strings"

// Limits of RFC 1035 section 2.3.4.
const (
	MaxNameLen  = 255 // octets of a name in wire form
	MaxLabelLen = 63
)

// These helpers work on canonical names (fully qualified, lower case), as
// package dnsx stores them.

// ParentName returns the name one label up: "www.a.com." → "a.com.",
// "com." → ".", "." → "".
func ParentName(name string) string {
	if name == "." {
		return ""
	}
	i := strings.IndexByte(name, '.')
	if i == len(name)-1 {
		return "."
	}
	return name[i+1:]
}

// CountLabels returns the number of labels of a canonical name ("." has 0).
func CountLabels(name string) int {
	if name == "." {
		return 0
	}
	return strings.Count(name, ".")
}

// AncestorAt returns the ancestor of name that has n labels (n ≤ labels).
func AncestorAt(name string, n int) string {
	skip := CountLabels(name) - n
	for range skip {
		name = ParentName(name)
	}
	return name
}

// Name returns the lower-case wire form of a canonical name.
func Name(name string) []byte { return AppendName(make([]byte, 0, len(name)+1), name) }

// AppendName appends the lower-case wire form of a canonical name to b.
func AppendName(b []byte, name string) []byte {
	if name == "." {
		return append(b, 0)
	}
	for len(name) > 0 {
		i := 0
		for name[i] != '.' {
			i++
		}
		b = append(b, byte(i))
		b = append(b, name[:i]...)
		name = name[i+1:]
	}
	return append(b, 0)
}

// PresentationName converts a lower-case wire name (from ParseQuery's
// Key) to a canonical name.
func PresentationName(w []byte) string {
	if len(w) <= 1 {
		return "."
	}
	out := make([]byte, 0, len(w))
	for i := 0; i < len(w) && w[i] != 0; {
		l := int(w[i])
		out = append(out, w[i+1:i+1+l]...)
		out = append(out, '.')
		i += 1 + l
	}
	return string(out)
}
