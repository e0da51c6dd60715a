package metainfo

import (
	"bytes"
	"crypto/sha1"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/golden"

	"github.com/networkutopia/p2p/swarm/bencode"
	"github.com/stretchr/testify/require"
)

// TestCreateGolden creates torrents from the files under testdata/content
// and compares them byte for byte with the golden .torrent files.
func TestCreateGolden(t *testing.T) {
	tests := []struct {
		golden string
		path   string
		files  int
	}{
		{"single.torrent", "testdata/content/fox.txt", 0},
		{"multi.torrent", "testdata/content/album", 3},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			mi, err := Create(tt.path, CreateConfig{
				PieceLength:  32,
				Announce:     "http://127.0.0.1:6969/announce",
				CreationDate: time.Unix(1700000000, 0),
				Comment:      "golden",
			})
			require.NoError(t, err)
			require.Len(t, mi.Info.Files, tt.files)
			got, err := mi.Marshal()
			require.NoError(t, err)
			path := filepath.Join("testdata", tt.golden)
			golden.Check(t, path, string(got))
			want, err := os.ReadFile(path)
			require.NoError(t, err)

			parsed, err := Parse(want)
			require.NoError(t, err)
			require.Equal(t, mi.InfoHash, parsed.InfoHash)
			require.Equal(t, mi.Info.Pieces, parsed.Info.Pieces)
			again, err := parsed.Marshal()
			require.NoError(t, err)
			require.Equal(t, want, again)
		})
	}
}

// TestInfoHashIsSHA1OfInfoBytes checks the definition: the info-hash is the
// SHA-1 of the info dictionary exactly as it appears in the file.
func TestInfoHashIsSHA1OfInfoBytes(t *testing.T) {
	b, err := os.ReadFile("testdata/multi.torrent")
	require.NoError(t, err)
	start := bytes.Index(b, []byte("4:infod")) + len("4:info")
	require.Positive(t, start)
	// The info dictionary runs to the last 'e' but one (the file ends with
	// the top dictionary's 'e', and "info" is its last key).
	infoBytes := b[start : len(b)-1]
	mi, err := Parse(b)
	require.NoError(t, err)
	require.Equal(t, Hash(sha1.Sum(infoBytes)), mi.InfoHash)
}

func TestPieceHashesSpanFiles(t *testing.T) {
	mi, err := Create("testdata/content/album", CreateConfig{PieceLength: 32})
	require.NoError(t, err)
	var all []byte
	for _, span := range mi.Info.Layout() {
		b, err := os.ReadFile(filepath.Join(append([]string{"testdata/content"}, span.Path...)...))
		require.NoError(t, err)
		require.Equal(t, int64(len(all)), span.Offset)
		all = append(all, b...)
	}
	require.Equal(t, int64(len(all)), mi.Info.TotalLength())
	require.Equal(t, (len(all)+31)/32, mi.Info.NumPieces())
	for i := range mi.Info.NumPieces() {
		end := min(len(all), (i+1)*32)
		require.Equal(t, HashPiece(all[i*32:end]), mi.Info.Pieces[i], "piece %d", i)
		require.Equal(t, int64(end-i*32), mi.Info.PieceSize(i))
	}
	require.Equal(t, []string{"album", "a.txt"}, mi.Info.Layout()[0].Path)
	require.Equal(t, []string{"album", "disc1", "b.txt"}, mi.Info.Layout()[1].Path)
}

func TestParseKeepsUnknownKeys(t *testing.T) {
	info := map[string]any{
		"name": "x", "piece length": 4, "length": 3, "pieces": strings.Repeat("h", 20),
		"source": "somewhere",
	}
	raw, err := bencode.Marshal(map[string]any{"info": info, "announce": "http://t/a"})
	require.NoError(t, err)
	mi, err := Parse(raw)
	require.NoError(t, err)
	require.Equal(t, "somewhere", mi.Info.Extra["source"])
	ib, err := bencode.Marshal(info)
	require.NoError(t, err)
	require.Equal(t, Hash(sha1.Sum(ib)), mi.InfoHash)
	h, err := mi.Info.Hash()
	require.NoError(t, err)
	require.Equal(t, mi.InfoHash, h)
}

func TestParseRejects(t *testing.T) {
	p20 := strings.Repeat("h", 20)
	tests := []struct {
		name string
		info map[string]any
	}{
		{"no name", map[string]any{"piece length": 4, "length": 3, "pieces": p20}},
		{"dot-dot name", map[string]any{"name": "..", "piece length": 4, "length": 3, "pieces": p20}},
		{"slash in name", map[string]any{"name": "a/b", "piece length": 4, "length": 3, "pieces": p20}},
		{"zero piece length", map[string]any{"name": "x", "piece length": 0, "length": 3, "pieces": p20}},
		{"huge piece length", map[string]any{"name": "x", "piece length": 1 << 40, "length": 3, "pieces": p20}},
		{"too few pieces", map[string]any{"name": "x", "piece length": 1, "length": 3, "pieces": p20}},
		{"ragged pieces", map[string]any{"name": "x", "piece length": 4, "length": 3, "pieces": "abc"}},
		{"negative length", map[string]any{"name": "x", "piece length": 4, "length": -3, "pieces": ""}},
		{"both", map[string]any{"name": "x", "piece length": 4, "length": 3, "pieces": p20,
			"files": []any{map[string]any{"length": 3, "path": []any{"a"}}}}},
		{"neither", map[string]any{"name": "x", "piece length": 4, "pieces": p20}},
		{"traversal", map[string]any{"name": "x", "piece length": 4, "pieces": p20,
			"files": []any{map[string]any{"length": 3, "path": []any{"..", "etc"}}}}},
		{"empty path", map[string]any{"name": "x", "piece length": 4, "pieces": p20,
			"files": []any{map[string]any{"length": 3, "path": []any{}}}}},
		{"no files", map[string]any{"name": "x", "piece length": 4, "pieces": "", "files": []any{}}},
		{"path not string", map[string]any{"name": "x", "piece length": 4, "pieces": p20,
			"files": []any{map[string]any{"length": 3, "path": []any{1}}}}},
		{"length is string", map[string]any{"name": "x", "piece length": 4, "length": "3", "pieces": p20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := bencode.Marshal(map[string]any{"info": tt.info})
			require.NoError(t, err)
			_, err = Parse(raw)
			require.ErrorIs(t, err, ErrInvalid)
		})
	}
	_, err := Parse([]byte("i1e"))
	require.ErrorIs(t, err, ErrInvalid)
	_, err = Parse([]byte("d4:infoi1ee"))
	require.ErrorIs(t, err, ErrInvalid)
	_, err = Parse([]byte("d4:info"))
	require.ErrorIs(t, err, bencode.ErrSyntax)
}

// TestValidateRejectsFileEdges: two files on one path (or a file that is
// another's directory) would share a file on disk, and lengths whose sum
// wraps around int64 would describe a tiny torrent (4×2^62+10 bytes sums
// to 10); path components that are empty, "." or "..", or that hold a
// separator or NUL, would leave the torrent's directory or fail on disk.
// Each is refused with an error wrapping ErrInvalid that says why.
func TestValidateRejectsFileEdges(t *testing.T) {
	file := func(length int64, path ...string) File { return File{Length: length, Path: path} }
	tests := []struct {
		name  string
		files []File
		msg   string
	}{
		{"duplicate", []File{file(1, "a"), file(1, "b"), file(1, "a")}, `files 0 and 2 have the same path "a"`},
		{"duplicate nested", []File{file(1, "d", "x"), file(1, "d", "x")}, `same path "d/x"`},
		{"file is a directory of another", []File{file(1, "d"), file(1, "d", "x")}, `file 0's path "d" is a directory of file 1`},
		{"directory listed after", []File{file(1, "d", "x", "y"), file(1, "e"), file(1, "d", "x")}, `file 2's path "d/x" is a directory of file 0`},
		{"sum overflows", []File{file(1<<62, "a"), file(1<<62, "b"), file(1<<62, "c"), file(1<<62, "d"), file(10, "e")}, "lengths add up to more than"},
		{"dot", []File{file(1, "a", ".")}, `path element "." not allowed`},
		{"dot-dot", []File{file(1, "..", "a")}, `path element ".." not allowed`},
		{"empty element", []File{file(1, "a", "")}, `path element "" not allowed`},
		{"slash", []File{file(1, "a/b")}, "contains a separator or NUL"},
		{"NUL", []File{file(1, "a\x00b")}, "contains a separator or NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := Info{Name: "t", PieceLength: 16, Files: tt.files, Pieces: make([]Hash, 1)}
			err := info.Validate()
			require.ErrorIs(t, err, ErrInvalid)
			require.ErrorContains(t, err, tt.msg)
		})
	}
	// Distinct paths that merely share a directory, or a name's prefix,
	// are fine.
	ok := Info{Name: "t", PieceLength: 16, Pieces: make([]Hash, 1),
		Files: []File{file(1, "d", "x"), file(1, "d", "y"), file(1, "dx"), file(1, "d", "xy")}}
	require.NoError(t, ok.Validate())
	// A single file of the largest length does not overflow the piece count.
	huge := Info{Name: "t", PieceLength: MaxPieceLength, Length: math.MaxInt64, Pieces: make([]Hash, 1)}
	require.ErrorContains(t, huge.Validate(), "piece hashes for 9223372036854775807 bytes")
}

func TestCreateConfigValidate(t *testing.T) {
	require.ErrorContains(t, CreateConfig{PieceLength: -1}.Validate(), "PieceLength")
	require.ErrorContains(t, CreateConfig{Name: "a/b"}.Validate(), "Name")
	require.NoError(t, CreateConfig{}.Validate())
}

func TestSaveLoad(t *testing.T) {
	mi, err := Create("testdata/content/fox.txt", CreateConfig{})
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "fox.torrent")
	require.NoError(t, mi.Save(p))
	back, err := Load(p)
	require.NoError(t, err)
	require.Equal(t, mi.InfoHash, back.InfoHash)
	require.Equal(t, "fox.txt", back.Info.Name)
	require.Equal(t, "networkutopia/p2p", back.CreatedBy)
}

func TestParseHash(t *testing.T) {
	h := HashPiece([]byte("abc"))
	back, err := ParseHash(h.String())
	require.NoError(t, err)
	require.Equal(t, h, back)
	_, err = ParseHash("zz")
	require.ErrorIs(t, err, ErrInvalid)
	_, err = ParseHash(strings.Repeat("g", 40))
	require.ErrorIs(t, err, ErrInvalid)
}

// FuzzParse checks that no input makes Parse panic and that whatever it
// accepts marshals back to a file with the same info-hash.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"single.torrent", "multi.torrent"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		mi, err := Parse(b)
		if err != nil {
			return
		}
		again, err := mi.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(again)
		if err != nil {
			t.Fatal(err)
		}
		if back.InfoHash != mi.InfoHash {
			t.Fatalf("info-hash changed on re-marshal")
		}
	})
}

// TestParseURLList reads BEP 19's url-list in both of its forms and
// rejects the others.
func TestParseURLList(t *testing.T) {
	base, err := Create("testdata/content/fox.txt", CreateConfig{})
	require.NoError(t, err)
	tests := []struct {
		name    string
		value   any
		want    []string
		wantErr string
	}{
		{"one string", "http://127.0.0.1:8080/fox.txt", []string{"http://127.0.0.1:8080/fox.txt"}, ""},
		{"a list", []any{"http://a/", "", "http://b/"}, []string{"http://a/", "http://b/"}, ""},
		{"an empty string", "", nil, ""},
		{"an integer", int64(3), nil, "neither a string nor a list"},
		{"a list of integers", []any{int64(3)}, nil, "not a string"},
		{"too many", manyURLs(MaxURLList + 1), nil, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := bencode.Marshal(map[string]any{"info": base.Info.dict(), "url-list": tt.value})
			require.NoError(t, err)
			mi, err := Parse(b)
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrInvalid)
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, mi.URLList)
			require.Equal(t, base.InfoHash, mi.InfoHash, "url-list lies outside the info-hash")
		})
	}
	mi := *base
	mi.URLList = []string{"http://a/", "http://b/"}
	b, err := mi.Marshal()
	require.NoError(t, err)
	back, err := Parse(b)
	require.NoError(t, err)
	require.Equal(t, mi.URLList, back.URLList)
}

func manyURLs(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = "http://a/"
	}
	return out
}
