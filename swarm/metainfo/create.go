package metainfo

import (
	"cmp"
	"crypto/sha1"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// DefaultPieceLength is the piece length Create uses by default: 256 KiB,
// the textbook's chunk size.
const DefaultPieceLength = 256 << 10

// CreateConfig says how Create builds a torrent. The zero value is valid.
type CreateConfig struct {
	// PieceLength is the size of each piece. Default DefaultPieceLength.
	PieceLength int64
	// Announce is the tracker's announce URL.
	Announce string
	// AnnounceList holds tiers of backup tracker URLs (BEP 12).
	AnnounceList [][]string
	// URLList holds web seed URLs (BEP 19).
	URLList []string
	// Comment is free text.
	Comment string
	// CreatedBy names the program. Default "networkutopia/p2p".
	CreatedBy string
	// CreationDate is recorded in the file; zero leaves it out (so the
	// same files give the same .torrent bytes).
	CreationDate time.Time
	// Private sets the BEP 27 private flag.
	Private bool
	// Name overrides the torrent's name; default the base name of path.
	Name string
}

// Validate reports a bad field.
func (c CreateConfig) Validate() error {
	if c.PieceLength < 0 || c.PieceLength > MaxPieceLength {
		return fmt.Errorf("%w: CreateConfig.PieceLength %d not in 0..%d", ErrInvalid, c.PieceLength, MaxPieceLength)
	}
	if c.Name != "" {
		if err := checkPathElem(c.Name); err != nil {
			return fmt.Errorf("%w: CreateConfig.Name: %v", ErrInvalid, err)
		}
	}
	return nil
}

// Create builds the metainfo of the file or directory at path, hashing its
// content. A directory becomes a multi-file torrent of the regular files
// below it, in lexical order of their paths; symbolic links and empty
// directories are skipped.
func Create(path string, cfg CreateConfig) (*MetaInfo, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.PieceLength = cmp.Or(cfg.PieceLength, DefaultPieceLength)
	cfg.CreatedBy = cmp.Or(cfg.CreatedBy, "networkutopia/p2p")
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("metainfo: %w", err)
	}
	info := Info{Name: cfg.Name, PieceLength: cfg.PieceLength, Private: cfg.Private}
	if info.Name == "" {
		info.Name = filepath.Base(filepath.Clean(path))
	}
	var paths []string // absolute-ish paths, in torrent order
	if st.IsDir() {
		if info.Files, paths, err = listFiles(path); err != nil {
			return nil, err
		}
	} else {
		info.Length = st.Size()
		paths = []string{path}
	}
	if info.Pieces, err = hashFiles(paths, cfg.PieceLength); err != nil {
		return nil, err
	}
	if err := info.Validate(); err != nil {
		return nil, err
	}
	mi := &MetaInfo{
		Announce:     cfg.Announce,
		AnnounceList: cfg.AnnounceList,
		URLList:      cfg.URLList,
		Comment:      cfg.Comment,
		CreatedBy:    cfg.CreatedBy,
		CreationDate: cfg.CreationDate,
		Info:         info,
	}
	if mi.InfoHash, err = info.Hash(); err != nil {
		return nil, err
	}
	return mi, nil
}

func listFiles(root string) ([]File, []string, error) {
	var files []File
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		files = append(files, File{Length: st.Size(), Path: strings.Split(filepath.ToSlash(rel), "/")})
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("metainfo: %w", err)
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("%w: %s has no regular files", ErrInvalid, root)
	}
	// WalkDir visits in lexical order of each directory's entries, which
	// is the order of the joined paths only with "/" sorting first; sort
	// by components to make the order explicit.
	idx := make([]int, len(files))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return slices.Compare(files[a].Path, files[b].Path) })
	sortedFiles := make([]File, len(files))
	sortedPaths := make([]string, len(files))
	for i, k := range idx {
		sortedFiles[i], sortedPaths[i] = files[k], paths[k]
	}
	return sortedFiles, sortedPaths, nil
}

// hashFiles hashes the concatenation of the files in pieces.
func hashFiles(paths []string, pieceLength int64) ([]Hash, error) {
	var pieces []Hash
	h := sha1.New()
	var inPiece int64
	buf := make([]byte, 1<<20)
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("metainfo: %w", err)
		}
		for {
			want := min(int64(len(buf)), pieceLength-inPiece)
			n, err := io.ReadFull(f, buf[:want])
			h.Write(buf[:n])
			inPiece += int64(n)
			if inPiece == pieceLength {
				pieces = append(pieces, Hash(h.Sum(nil)))
				h.Reset()
				inPiece = 0
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			}
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("metainfo: %w", err)
			}
		}
		f.Close()
	}
	if inPiece > 0 {
		pieces = append(pieces, Hash(h.Sum(nil)))
	}
	return pieces, nil
}
