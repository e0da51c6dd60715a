package enc

import (
	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
)

// The smallest encodings, which bound the counts a decoder accepts: a
// file is its hash, a name length and a size (Data never travels); a
// result adds a holder count.
const (
	minFileSize   = len(overlay.Hash{}) + 1 + 1
	minResultSize = minFileSize + 1
)

// File appends a file's descriptor: hash, name and size (not its Data).
func (w *Writer) File(f overlay.File) {
	w.Fixed(f.Hash[:])
	w.String(f.Name)
	w.Uint(uint64(f.Size))
}

// Files appends a count and each file's descriptor.
func (w *Writer) Files(files []overlay.File) {
	w.Uint(uint64(len(files)))
	for _, f := range files {
		w.File(f)
	}
}

// Results appends a count and each result: its file's descriptor and
// its holders.
func (w *Writer) Results(results []overlay.Result) {
	w.Uint(uint64(len(results)))
	for _, res := range results {
		w.File(res.File)
		w.Uint(uint64(len(res.Holders)))
		for _, h := range res.Holders {
			w.String(string(h))
		}
	}
}

// File reads a descriptor written by Writer.File; a size beyond int64
// is cut to fit.
func (r *Reader) File() overlay.File {
	var f overlay.File
	r.Fixed(f.Hash[:])
	f.Name = r.String()
	f.Size = int64(r.Uint() & (1<<63 - 1))
	return f
}

// Files reads what Writer.Files wrote; the count is bounded by the
// bytes left.
func (r *Reader) Files() []overlay.File {
	n := r.Count(minFileSize)
	files := make([]overlay.File, 0, n)
	for range n {
		files = append(files, r.File())
	}
	return files
}

// Results reads what Writer.Results wrote; the counts are bounded by
// the bytes left.
func (r *Reader) Results() []overlay.Result {
	n := r.Count(minResultSize)
	results := make([]overlay.Result, 0, n)
	for range n {
		res := overlay.Result{File: r.File()}
		for range r.Count(1) {
			res.Holders = append(res.Holders, transport.Addr(r.String()))
		}
		results = append(results, res)
	}
	return results
}

// FileLen is the encoded length of a file's descriptor (Writer.File).
func FileLen(f overlay.File) int {
	return len(overlay.Hash{}) + StringLen(f.Name) + UintLen(uint64(f.Size))
}

// FilesLen is the encoded length of Writer.Files(files).
func FilesLen(files []overlay.File) int {
	n := UintLen(uint64(len(files)))
	for _, f := range files {
		n += FileLen(f)
	}
	return n
}

// ResultLen is the encoded length of one result in Writer.Results: its
// file's descriptor, the holder count and the holders.
func ResultLen(res overlay.Result) int {
	n := FileLen(res.File) + UintLen(uint64(len(res.Holders)))
	for _, h := range res.Holders {
		n += StringLen(string(h))
	}
	return n
}

// ResultsLen is the encoded length of Writer.Results(results).
func ResultsLen(results []overlay.Result) int {
	n := UintLen(uint64(len(results)))
	for _, res := range results {
		n += ResultLen(res)
	}
	return n
}
