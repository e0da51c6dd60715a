package bencode

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Marshal returns the canonical bencoding of v. Integers of any Go integer
// type, string, []byte, []any, []string, map[string]any, map[string]string
// and [RawMessage] are accepted; anything else fails with
// ErrUnsupportedType.
func Marshal(v any) ([]byte, error) { return Append(nil, v) }

// RawMessage is a value that is already bencoded; Marshal copies it as is.
type RawMessage []byte

// Append appends the canonical bencoding of v to dst.
func Append(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case int:
		return appendInt(dst, int64(x)), nil
	case int8:
		return appendInt(dst, int64(x)), nil
	case int16:
		return appendInt(dst, int64(x)), nil
	case int32:
		return appendInt(dst, int64(x)), nil
	case int64:
		return appendInt(dst, x), nil
	case uint8:
		return appendInt(dst, int64(x)), nil
	case uint16:
		return appendInt(dst, int64(x)), nil
	case uint32:
		return appendInt(dst, int64(x)), nil
	case uint:
		return appendUint(dst, uint64(x))
	case uint64:
		return appendUint(dst, x)
	case string:
		return appendString(dst, x), nil
	case []byte:
		return appendString(dst, string(x)), nil
	case RawMessage:
		return append(dst, x...), nil
	case []string:
		dst = append(dst, 'l')
		for _, s := range x {
			dst = appendString(dst, s)
		}
		return append(dst, 'e'), nil
	case []any:
		dst = append(dst, 'l')
		for i, e := range x {
			var err error
			if dst, err = Append(dst, e); err != nil {
				return nil, fmt.Errorf("list item %d: %w", i, err)
			}
		}
		return append(dst, 'e'), nil
	case map[string]any:
		return appendDict(dst, x)
	case map[string]string:
		m := make(map[string]any, len(x))
		for k, s := range x {
			m[k] = s
		}
		return appendDict(dst, m)
	default:
		return nil, fmt.Errorf("%w: %T", ErrUnsupportedType, v)
	}
}

func appendDict(dst []byte, m map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // Go compares strings bytewise, as BEP 3 wants
	dst = append(dst, 'd')
	for _, k := range keys {
		dst = appendString(dst, k)
		var err error
		if dst, err = Append(dst, m[k]); err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
	}
	return append(dst, 'e'), nil
}

func appendInt(dst []byte, n int64) []byte {
	dst = append(dst, 'i')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, 'e')
}

// appendUint refuses integers the decoder could not read back.
func appendUint(dst []byte, n uint64) ([]byte, error) {
	if n > math.MaxInt64 {
		return nil, fmt.Errorf("%w: integer %d exceeds int64", ErrUnsupportedType, n)
	}
	return appendInt(dst, int64(n)), nil
}

func appendString(dst []byte, s string) []byte {
	dst = strconv.AppendInt(dst, int64(len(s)), 10)
	dst = append(dst, ':')
	return append(dst, s...)
}
