package overlay

import (
	"slices"

	"github.com/networkutopia/p2p/transport"
)

// Result is a file found by a search and the peers that hold it.
type Result struct {
	// File describes the file (Data is not carried).
	File
	// Holders are where it can be downloaded.
	Holders []transport.Addr
}

// Index is a directory of shared files by content hash, with a keyword
// index on their names: what a Napster server or a KaZaA group leader
// keeps. It is not safe for concurrent use (a node owns it).
type Index struct {
	files    map[Hash]*indexed
	keywords map[string][]Hash
	pairs    int
}

type indexed struct {
	file    File
	holders []transport.Addr
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{files: make(map[Hash]*indexed), keywords: make(map[string][]Hash)}
}

// Add records holder as holding f (Data is dropped); it reports whether
// the pair is new.
func (x *Index) Add(holder transport.Addr, f File) bool {
	f.Data = nil
	ix := x.files[f.Hash]
	if ix == nil {
		ix = &indexed{file: f}
		x.files[f.Hash] = ix
		for _, k := range Keywords(f.Name) {
			x.keywords[k] = append(x.keywords[k], f.Hash)
		}
	}
	if slices.Contains(ix.holders, holder) {
		return false
	}
	ix.holders = append(ix.holders, holder)
	x.pairs++
	return true
}

// Remove forgets that holder holds the file with hash h; a file nobody
// holds leaves the index.
func (x *Index) Remove(holder transport.Addr, h Hash) {
	ix := x.files[h]
	if ix == nil {
		return
	}
	before := len(ix.holders)
	ix.holders = slices.DeleteFunc(ix.holders, func(a transport.Addr) bool { return a == holder })
	x.pairs -= before - len(ix.holders)
	if len(ix.holders) > 0 {
		return
	}
	delete(x.files, h)
	for _, k := range Keywords(ix.file.Name) {
		x.keywords[k] = slices.DeleteFunc(x.keywords[k], func(y Hash) bool { return y == h })
		if len(x.keywords[k]) == 0 {
			delete(x.keywords, k)
		}
	}
}

// Holders returns who holds the file with hash h.
func (x *Index) Holders(h Hash) []transport.Addr {
	if ix := x.files[h]; ix != nil {
		return slices.Clone(ix.holders)
	}
	return nil
}

// Lookup returns the files matching criteria (every keyword in the name,
// see Match) with their holders, in the order they were first added: it
// scans the posting list of the query's rarest keyword.
func (x *Index) Lookup(criteria string) []Result {
	var best []Hash
	for i, k := range Keywords(criteria) {
		if list := x.keywords[k]; i == 0 || len(list) < len(best) {
			best = list
		}
	}
	var out []Result
	for _, h := range best {
		ix := x.files[h]
		if Match(criteria, ix.file.Name) {
			out = append(out, Result{File: ix.file, Holders: slices.Clone(ix.holders)})
		}
	}
	return out
}

// Len returns the number of (file, holder) pairs.
func (x *Index) Len() int { return x.pairs }

// Files returns the number of distinct files.
func (x *Index) Files() int { return len(x.files) }
