package overlay

import (
	"crypto/sha1"
	"encoding/base32"
	"strings"
	"unicode"
)

// Hash is a file's content hash: SHA-1, as Gnutella's HUGE urns
// ("urn:sha1:<base32>") and KaZaA's downloads by hash use.
type Hash [sha1.Size]byte

// HashOf returns the SHA-1 of data.
func HashOf(data []byte) Hash { return sha1.Sum(data) }

// String returns the hash in base32, as in a urn:sha1.
func (h Hash) String() string { return base32.StdEncoding.EncodeToString(h[:]) }

// URN returns "urn:sha1:" and the base32 hash.
func (h Hash) URN() string { return "urn:sha1:" + h.String() }

// ParseURN reads a "urn:sha1:<base32>" (case-insensitive prefix).
func ParseURN(s string) (Hash, bool) {
	var h Hash
	if len(s) < 9 || !strings.EqualFold(s[:9], "urn:sha1:") {
		return h, false
	}
	b, err := base32.StdEncoding.DecodeString(strings.ToUpper(s[9:]))
	if err != nil || len(b) != len(h) {
		return h, false
	}
	copy(h[:], b)
	return h, true
}

// File describes a shared file: what a peer registers with a directory,
// uploads to its group leader or answers queries with.
type File struct {
	// Name is the file's descriptor; its words are the keywords that find
	// it.
	Name string
	// Size is the length in bytes.
	Size int64
	// Hash is the content hash; downloads by hash check it.
	Hash Hash
	// Data is the content, for peers that serve the file; nil in the
	// simulator, where only sizes travel.
	Data []byte
}

// NewFile returns a File holding data, with its size and hash.
func NewFile(name string, data []byte) File {
	return File{Name: name, Size: int64(len(data)), Hash: HashOf(data), Data: data}
}

// Descriptors returns copies of files without their Data: name, size
// and hash, what a peer tells a directory or a group leader.
func Descriptors(files []File) []File {
	out := make([]File, len(files))
	for i, f := range files {
		out[i] = File{Name: f.Name, Size: f.Size, Hash: f.Hash}
	}
	return out
}

// Match reports whether every keyword of query appears as a word of name,
// ignoring case: the rule Gnutella servents and KaZaA leaders apply. An
// empty query matches nothing. It does not allocate.
func Match(query, name string) bool {
	some := false
	for q := range words(query) {
		some = true
		found := false
		for w := range words(name) {
			if strings.EqualFold(q, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return some
}

// Keywords returns the lower-case words of s (letters and digits; anything
// else separates words), without duplicates, in order.
func Keywords(s string) []string {
	var out []string
	for w := range words(s) {
		w = strings.ToLower(w)
		dup := false
		for _, o := range out {
			if o == w {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, w)
		}
	}
	return out
}

// words yields the runs of letters and digits of s.
func words(s string) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		start := -1
		for i, r := range s {
			word := unicode.IsLetter(r) || unicode.IsDigit(r)
			switch {
			case word && start < 0:
				start = i
			case !word && start >= 0:
				if !yield(s[start:i]) {
					return
				}
				start = -1
			}
		}
		if start >= 0 {
			yield(s[start:])
		}
	}
}

// KeywordMask returns a 64-bit Bloom filter of the words of s, folded as
// Match folds them (case-insensitively): if Match(query, name), then
// every bit of KeywordMask(query) is set in KeywordMask(name). A servent
// keeps the OR of its files' masks and skips matching a query whose mask
// is not covered, without touching the files.
func KeywordMask(s string) uint64 {
	var mask uint64
	for w := range words(s) {
		h := uint64(14695981039346656037)
		for _, r := range w {
			h ^= uint64(foldRune(r))
			h *= 1099511628211
		}
		mask |= 1 << (h >> 58)
	}
	return mask
}

// foldRune maps r to the smallest rune of its simple case-folding orbit,
// so that runes strings.EqualFold considers equal map to the same value.
func foldRune(r rune) rune {
	if r < 0x80 {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}
