package metainfo

import (
	"fmt"
	"os"
	"time"

	"github.com/networkutopia/p2p/swarm/bencode"
)

// MaxFileSize is the largest .torrent file Parse and Load accept: 16 MiB.
const MaxFileSize = bencode.DefaultMaxSize

// MetaInfo is a .torrent file: where to find peers and what they share.
type MetaInfo struct {
	// Announce is the tracker's announce URL; may be empty for torrents
	// found by other means.
	Announce string
	// AnnounceList holds tiers of tracker URLs (BEP 12); nil if absent.
	AnnounceList [][]string
	// URLList holds web seed URLs (BEP 19 url-list): HTTP servers that
	// hold the files; nil if absent.
	URLList []string
	// Comment is free text.
	Comment string
	// CreatedBy names the program that made the file.
	CreatedBy string
	// CreationDate is when the file was made; zero if absent.
	CreationDate time.Time
	// Info describes the content.
	Info Info
	// InfoHash is the SHA-1 of the bencoded info dictionary, the
	// torrent's name on the wire. Parse and Create set it.
	InfoHash Hash
}

// Parse reads a .torrent file's bytes. The bencoding must be canonical
// (see package bencode) and the content must follow BEP 3.
func Parse(b []byte) (*MetaInfo, error) {
	v, err := bencode.Limits{MaxSize: MaxFileSize}.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("metainfo: %w", err)
	}
	d, err := bencode.AsDict(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	infoDict, err := d.Dict("info")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	mi := &MetaInfo{}
	if mi.Info, err = parseInfo(infoDict); err != nil {
		return nil, err
	}
	// Decoding is strict, so re-encoding the decoded dictionary gives back
	// exactly the bytes the info-hash is defined on.
	raw, err := bencode.Marshal(map[string]any(infoDict))
	if err != nil {
		return nil, fmt.Errorf("metainfo: %w", err)
	}
	mi.InfoHash = HashPiece(raw)
	if d.Has("announce") {
		if mi.Announce, err = d.String("announce"); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	if d.Has("announce-list") {
		if mi.AnnounceList, err = parseTiers(d); err != nil {
			return nil, err
		}
	}
	if d.Has("url-list") {
		if mi.URLList, err = parseURLList(d); err != nil {
			return nil, err
		}
	}
	if d.Has("comment") {
		if mi.Comment, err = d.String("comment"); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	if d.Has("created by") {
		if mi.CreatedBy, err = d.String("created by"); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	if d.Has("creation date") {
		sec, err := d.Int("creation date")
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		mi.CreationDate = time.Unix(sec, 0).UTC()
	}
	return mi, nil
}

func parseTiers(d bencode.Dict) ([][]string, error) {
	tiers, err := d.List("announce-list")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	out := make([][]string, 0, len(tiers))
	for _, t := range tiers {
		urls, ok := t.([]any)
		if !ok {
			return nil, fmt.Errorf("%w: announce-list tier is not a list", ErrInvalid)
		}
		tier := make([]string, 0, len(urls))
		for _, u := range urls {
			s, ok := u.(string)
			if !ok {
				return nil, fmt.Errorf("%w: announce-list URL is not a string", ErrInvalid)
			}
			tier = append(tier, s)
		}
		out = append(out, tier)
	}
	return out, nil
}

// MaxURLList bounds the web seeds a url-list may name.
const MaxURLList = 256

// parseURLList reads url-list (BEP 19): one URL as a string, or a list of
// them. Empty strings are skipped, as some creators write "".
func parseURLList(d bencode.Dict) ([]string, error) {
	var items []any
	switch v := d["url-list"].(type) {
	case string:
		items = []any{v}
	case []any:
		items = v
	default:
		return nil, fmt.Errorf("%w: url-list is neither a string nor a list", ErrInvalid)
	}
	if len(items) > MaxURLList {
		return nil, fmt.Errorf("%w: url-list names %d URLs, limit %d", ErrInvalid, len(items), MaxURLList)
	}
	var out []string
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("%w: url-list URL is not a string", ErrInvalid)
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// Load reads and parses a .torrent file.
func Load(path string) (*MetaInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("metainfo: %w", err)
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("%w: %s is %d bytes, limit %d", ErrInvalid, path, st.Size(), MaxFileSize)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("metainfo: %w", err)
	}
	return Parse(b)
}

// Marshal returns the .torrent file's bytes.
func (m *MetaInfo) Marshal() ([]byte, error) {
	d := map[string]any{"info": m.Info.dict()}
	if m.Announce != "" {
		d["announce"] = m.Announce
	}
	if m.AnnounceList != nil {
		tiers := make([]any, len(m.AnnounceList))
		for i, t := range m.AnnounceList {
			tiers[i] = t
		}
		d["announce-list"] = tiers
	}
	if m.URLList != nil {
		urls := make([]any, len(m.URLList))
		for i, u := range m.URLList {
			urls[i] = u
		}
		d["url-list"] = urls
	}
	if m.Comment != "" {
		d["comment"] = m.Comment
	}
	if m.CreatedBy != "" {
		d["created by"] = m.CreatedBy
	}
	if !m.CreationDate.IsZero() {
		d["creation date"] = m.CreationDate.Unix()
	}
	return bencode.Marshal(d)
}

// Save writes the .torrent file to path.
func (m *MetaInfo) Save(path string) error {
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
