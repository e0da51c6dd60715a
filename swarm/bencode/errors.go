package bencode

import "errors"

// Errors returned by the decoder and encoder, matched with errors.Is. The
// returned errors wrap them and say at which byte offset decoding failed.
var (
	// ErrSyntax is returned for input that is not bencoding at all.
	ErrSyntax = errors.New("bencode: syntax error")
	// ErrNonCanonical is returned for bencoding that has a meaning but not
	// the canonical form: leading zeros, negative zero, unsorted or
	// duplicate dictionary keys.
	ErrNonCanonical = errors.New("bencode: not canonical")
	// ErrTooDeep is returned when lists and dictionaries nest deeper than
	// Limits.MaxDepth.
	ErrTooDeep = errors.New("bencode: nesting too deep")
	// ErrTooLarge is returned when the input is longer than
	// Limits.MaxSize.
	ErrTooLarge = errors.New("bencode: input too large")
	// ErrTrailing is returned by Unmarshal when bytes follow the value.
	ErrTrailing = errors.New("bencode: trailing data after value")
	// ErrUnsupportedType is returned by Marshal for a Go value that has no
	// bencoding (floats, structs, maps with non-string keys, nil).
	ErrUnsupportedType = errors.New("bencode: unsupported type")
)
