package metainfo

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/networkutopia/p2p/swarm/bencode"
)

// ErrInvalid is returned for a metainfo file that decodes but breaks BEP 3:
// a missing or mistyped field, a piece count that does not match the
// length, an unsafe file name.
var ErrInvalid = errors.New("metainfo: invalid")

// Limits on what Parse accepts, so a hostile file cannot make us allocate
// without bound or write outside the download directory.
const (
	// MaxFiles is the most files a multi-file torrent may list.
	MaxFiles = 100_000
	// MaxPathDepth is the most components a file's path may have.
	MaxPathDepth = 64
	// MaxPieceLength is the largest piece length accepted: 64 MiB.
	MaxPieceLength = 64 << 20
)

// Info is the info dictionary of a torrent: what is shared. Its SHA-1 is the
// info-hash.
type Info struct {
	// Name is the file name (single file) or directory name (multi-file).
	Name string
	// PieceLength is the number of bytes in each piece but the last.
	PieceLength int64
	// Pieces holds the SHA-1 hash of each piece, in order.
	Pieces []Hash
	// Length is the file's length for a single-file torrent; 0 when Files
	// is set.
	Length int64
	// Files lists the files of a multi-file torrent in order; nil for a
	// single file.
	Files []File
	// Private marks a torrent whose peers come only from its trackers
	// (BEP 27).
	Private bool
	// Extra keeps the info keys this package does not know, so that
	// marshalling a parsed torrent gives back the same info-hash.
	Extra map[string]any
}

// File is one file of a multi-file torrent.
type File struct {
	// Length is the file's size in bytes.
	Length int64
	// Path is the file's path below the torrent's directory, one element
	// per component.
	Path []string
	// Extra keeps the file's keys this package does not know (md5sum...).
	Extra map[string]any
}

// FileSpan places one file in the torrent's byte stream.
type FileSpan struct {
	// Path is the file's path relative to the download directory, one
	// element per component, starting with the torrent's name.
	Path []string
	// Offset is where the file starts in the concatenation of all files.
	Offset int64
	// Length is the file's size.
	Length int64
}

// TotalLength is the number of bytes shared: Length, or the sum of the
// files' lengths.
func (i *Info) TotalLength() int64 {
	if i.Files == nil {
		return i.Length
	}
	var n int64
	for _, f := range i.Files {
		n += f.Length
	}
	return n
}

// NumPieces is the number of pieces.
func (i *Info) NumPieces() int { return len(i.Pieces) }

// PieceSize returns the length of piece index: PieceLength, or less for the
// last piece.
func (i *Info) PieceSize(index int) int64 {
	if index < 0 || index >= len(i.Pieces) {
		return 0
	}
	if index == len(i.Pieces)-1 {
		return i.TotalLength() - int64(index)*i.PieceLength
	}
	return i.PieceLength
}

// Layout lists the files with their offsets in the torrent's byte stream.
// A single-file torrent has one span named [Name].
func (i *Info) Layout() []FileSpan {
	if i.Files == nil {
		return []FileSpan{{Path: []string{i.Name}, Length: i.Length}}
	}
	out := make([]FileSpan, len(i.Files))
	var off int64
	for k, f := range i.Files {
		out[k] = FileSpan{Path: append([]string{i.Name}, f.Path...), Offset: off, Length: f.Length}
		off += f.Length
	}
	return out
}

// Validate checks the rules BEP 3 sets and the limits of this package.
func (i *Info) Validate() error {
	if err := checkPathElem(i.Name); err != nil {
		return fmt.Errorf("%w: name: %v", ErrInvalid, err)
	}
	if i.PieceLength <= 0 || i.PieceLength > MaxPieceLength {
		return fmt.Errorf("%w: piece length %d not in 1..%d", ErrInvalid, i.PieceLength, MaxPieceLength)
	}
	if i.Files != nil {
		if i.Length != 0 {
			return fmt.Errorf("%w: both length and files set", ErrInvalid)
		}
		if len(i.Files) == 0 || len(i.Files) > MaxFiles {
			return fmt.Errorf("%w: %d files, want 1..%d", ErrInvalid, len(i.Files), MaxFiles)
		}
		var total int64
		for k, f := range i.Files {
			if f.Length < 0 {
				return fmt.Errorf("%w: file %d: negative length", ErrInvalid, k)
			}
			if f.Length > math.MaxInt64-total {
				return fmt.Errorf("%w: file %d: lengths add up to more than %d bytes", ErrInvalid, k, int64(math.MaxInt64))
			}
			total += f.Length
			if len(f.Path) == 0 || len(f.Path) > MaxPathDepth {
				return fmt.Errorf("%w: file %d: path has %d components, want 1..%d", ErrInvalid, k, len(f.Path), MaxPathDepth)
			}
			for _, e := range f.Path {
				if err := checkPathElem(e); err != nil {
					return fmt.Errorf("%w: file %d: %v", ErrInvalid, k, err)
				}
			}
		}
		if err := checkPathsDistinct(i.Files); err != nil {
			return err
		}
	} else if i.Length < 0 {
		return fmt.Errorf("%w: negative length", ErrInvalid)
	}
	total := i.TotalLength()
	want := total / i.PieceLength
	if total%i.PieceLength != 0 {
		want++
	}
	if int64(len(i.Pieces)) != want {
		return fmt.Errorf("%w: %d piece hashes for %d bytes in pieces of %d (want %d)", ErrInvalid, len(i.Pieces), total, i.PieceLength, want)
	}
	return nil
}

// checkPathsDistinct refuses two files with the same path, and a file
// whose path is a directory of another's (a/b and a/b/c): either would
// make two files share one file on disk, so that the bytes read back for
// one are the other's. Sorted component by component, a path is followed
// at once by the paths it is a prefix of, so comparing neighbours is
// enough.
func checkPathsDistinct(files []File) error {
	order := make([]int, len(files))
	for k := range order {
		order[k] = k
	}
	slices.SortFunc(order, func(a, b int) int { return slices.Compare(files[a].Path, files[b].Path) })
	for k := 1; k < len(order); k++ {
		a, b := files[order[k-1]].Path, files[order[k]].Path
		if len(a) > len(b) || !slices.Equal(a, b[:len(a)]) {
			continue
		}
		first, second := min(order[k-1], order[k]), max(order[k-1], order[k])
		if len(a) == len(b) {
			return fmt.Errorf("%w: files %d and %d have the same path %q", ErrInvalid, first, second, strings.Join(a, "/"))
		}
		return fmt.Errorf("%w: file %d's path %q is a directory of file %d (%q)", ErrInvalid, order[k-1], strings.Join(a, "/"), order[k], strings.Join(b, "/"))
	}
	return nil
}

// checkPathElem refuses names that would escape the download directory or
// that no file system accepts.
func checkPathElem(e string) error {
	switch {
	case e == "", e == ".", e == "..":
		return fmt.Errorf("path element %q not allowed", e)
	case strings.ContainsAny(e, "/\\\x00"):
		return fmt.Errorf("path element %q contains a separator or NUL", e)
	}
	return nil
}

// Marshal returns the bencoded info dictionary.
func (i *Info) Marshal() ([]byte, error) { return bencode.Marshal(i.dict()) }

// Hash returns the info-hash: the SHA-1 of the bencoded info dictionary.
func (i *Info) Hash() (Hash, error) {
	b, err := i.Marshal()
	if err != nil {
		return Hash{}, err
	}
	return HashPiece(b), nil
}

func (i *Info) dict() map[string]any {
	d := make(map[string]any, len(i.Extra)+6)
	for k, v := range i.Extra {
		d[k] = v
	}
	pieces := make([]byte, 0, len(i.Pieces)*HashSize)
	for _, h := range i.Pieces {
		pieces = append(pieces, h[:]...)
	}
	d["name"] = i.Name
	d["piece length"] = i.PieceLength
	d["pieces"] = pieces
	if i.Files == nil {
		d["length"] = i.Length
	} else {
		files := make([]any, len(i.Files))
		for k, f := range i.Files {
			fd := make(map[string]any, len(f.Extra)+2)
			for key, v := range f.Extra {
				fd[key] = v
			}
			fd["length"], fd["path"] = f.Length, f.Path
			files[k] = fd
		}
		d["files"] = files
	}
	if i.Private {
		d["private"] = 1
	}
	return d
}

var knownInfoKeys = []string{"name", "piece length", "pieces", "length", "files", "private"}

func parseInfo(d bencode.Dict) (Info, error) {
	var i Info
	var err error
	if i.Name, err = d.String("name"); err != nil {
		return i, fmt.Errorf("%w: info: %w", ErrInvalid, err)
	}
	if i.PieceLength, err = d.Int("piece length"); err != nil {
		return i, fmt.Errorf("%w: info: %w", ErrInvalid, err)
	}
	pieces, err := d.String("pieces")
	if err != nil {
		return i, fmt.Errorf("%w: info: %w", ErrInvalid, err)
	}
	if len(pieces)%HashSize != 0 {
		return i, fmt.Errorf("%w: info: pieces is %d bytes, not a multiple of %d", ErrInvalid, len(pieces), HashSize)
	}
	i.Pieces = make([]Hash, len(pieces)/HashSize)
	for k := range i.Pieces {
		copy(i.Pieces[k][:], pieces[k*HashSize:])
	}
	switch {
	case d.Has("length") && d.Has("files"):
		return i, fmt.Errorf("%w: info has both length and files", ErrInvalid)
	case d.Has("length"):
		if i.Length, err = d.Int("length"); err != nil {
			return i, fmt.Errorf("%w: info: %w", ErrInvalid, err)
		}
	case d.Has("files"):
		if i.Files, err = parseFiles(d); err != nil {
			return i, err
		}
	default:
		return i, fmt.Errorf("%w: info has neither length nor files", ErrInvalid)
	}
	if d.Has("private") {
		p, err := d.Int("private")
		if err != nil {
			return i, fmt.Errorf("%w: info: %w", ErrInvalid, err)
		}
		i.Private = p == 1
		if p != 1 {
			// Keep a non-standard value as is, so the hash is unchanged.
			i.setExtra("private", p)
		}
	}
	for k, v := range d {
		if !known(k) {
			i.setExtra(k, v)
		}
	}
	return i, i.Validate()
}

func (i *Info) setExtra(k string, v any) {
	if i.Extra == nil {
		i.Extra = map[string]any{}
	}
	i.Extra[k] = v
}

func known(k string) bool {
	for _, s := range knownInfoKeys {
		if s == k {
			return true
		}
	}
	return false
}

func parseFiles(d bencode.Dict) ([]File, error) {
	list, err := d.List("files")
	if err != nil {
		return nil, fmt.Errorf("%w: info: %w", ErrInvalid, err)
	}
	if len(list) == 0 || len(list) > MaxFiles {
		return nil, fmt.Errorf("%w: %d files, want 1..%d", ErrInvalid, len(list), MaxFiles)
	}
	files := make([]File, len(list))
	for k, v := range list {
		fd, err := bencode.AsDict(v)
		if err != nil {
			return nil, fmt.Errorf("%w: file %d: %w", ErrInvalid, k, err)
		}
		if files[k].Length, err = fd.Int("length"); err != nil {
			return nil, fmt.Errorf("%w: file %d: %w", ErrInvalid, k, err)
		}
		path, err := fd.List("path")
		if err != nil {
			return nil, fmt.Errorf("%w: file %d: %w", ErrInvalid, k, err)
		}
		for key, v := range fd {
			if key != "length" && key != "path" {
				if files[k].Extra == nil {
					files[k].Extra = map[string]any{}
				}
				files[k].Extra[key] = v
			}
		}
		for _, e := range path {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%w: file %d: path element is not a string", ErrInvalid, k)
			}
			files[k].Path = append(files[k].Path, s)
		}
	}
	return files, nil
}
