package dnsx

import (
	"fmt"
	"strings"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// Limits of RFC 1035 section 2.3.4.
const (
	maxNameLen  = wire.MaxNameLen // octets of a name in wire form
	maxLabelLen = wire.MaxLabelLen
)

// CanonicalName returns name in the form this package stores and compares
// names: fully qualified (a trailing dot) and in lower case, as DNS names
// compare case-insensitively (RFC 4343). "" and "@" are not names; the root
// is ".". It fails with [ErrBadName] for an empty label, a label over 63
// octets, a name over 255 octets in wire form, or a character that a master
// file cannot carry without escapes (space, control characters, and
// `"();\`), which this package does not support.
func CanonicalName(name string) (string, error) {
	if name == "." {
		return ".", nil
	}
	if name == "" {
		return "", fmt.Errorf("%w: empty name", ErrBadName)
	}
	if isCanonical(name) {
		return name, nil
	}
	fq := name
	if !strings.HasSuffix(fq, ".") {
		fq += "."
	}
	if err := checkName(fq); err != nil {
		return "", err
	}
	return strings.ToLower(fq), nil
}

// isCanonical reports whether name is already a valid canonical name, so
// the hot paths can skip the copy CanonicalName would make.
func isCanonical(name string) bool {
	if len(name) == 0 || name[len(name)-1] != '.' {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= 'A' && c <= 'Z' {
			return false
		}
	}
	return checkName(name) == nil
}

// checkName validates a fully qualified name (trailing dot).
func checkName(fq string) error {
	if fq == "." {
		return nil
	}
	if len(fq)+1 > maxNameLen { // wire form: one length octet per label plus the root
		return fmt.Errorf("%w: %q is longer than %d octets", ErrBadName, fq, maxNameLen)
	}
	label := 0
	for i := 0; i < len(fq); i++ {
		c := fq[i]
		if c == '.' {
			if label == 0 {
				return fmt.Errorf("%w: %q has an empty label", ErrBadName, fq)
			}
			label = 0
			continue
		}
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"();\`, c) >= 0 {
			return fmt.Errorf("%w: %q holds the character %q", ErrBadName, fq, c)
		}
		label++
		if label > maxLabelLen {
			return fmt.Errorf("%w: %q has a label over %d octets", ErrBadName, fq, maxLabelLen)
		}
	}
	return nil
}

// IsSubdomain reports whether child is parent or below it. Both must be
// canonical names.
func IsSubdomain(child, parent string) bool {
	if parent == "." || child == parent {
		return true
	}
	return len(child) > len(parent) && strings.HasSuffix(child, parent) && child[len(child)-len(parent)-1] == '.'
}

// CompareNames orders canonical names in DNS canonical order (RFC 4034
// section 6.1): label by label from the root, bytewise; it returns -1, 0
// or +1.
func CompareNames(a, b string) int {
	for a != b {
		if a == "." {
			return -1
		}
		if b == "." {
			return 1
		}
		la, ra := lastLabel(a)
		lb, rb := lastLabel(b)
		if c := strings.Compare(la, lb); c != 0 {
			return c
		}
		a, b = ra, rb
	}
	return 0
}

// lastLabel splits "www.a.com." into "com" and "www.a.".
func lastLabel(name string) (label, rest string) {
	trimmed := name[:len(name)-1]
	i := strings.LastIndexByte(trimmed, '.')
	if i < 0 {
		return trimmed, "."
	}
	return trimmed[i+1:], trimmed[:i+1]
}

// relativeName writes name relative to origin for master files: "@" for
// the origin itself, "www" for www.origin, and the absolute name otherwise.
func relativeName(name, origin string) string {
	switch {
	case name == origin:
		return "@"
	case origin != "." && IsSubdomain(name, origin):
		return name[:len(name)-len(origin)-1]
	}
	return name
}
