package swarm

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/stretchr/testify/require"
)

// sparseSeed returns a storage over one sparse file of pieces pieces of
// pieceLength bytes (the hashes are not checked: only reads are counted).
func sparseSeed(t testing.TB, pieceLength int64, pieces int) *FileStorage {
	t.Helper()
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "f"))
	require.NoError(t, err)
	require.NoError(t, f.Truncate(pieceLength*int64(pieces)))
	require.NoError(t, f.Close())
	info := &metainfo.Info{Name: "f", PieceLength: pieceLength, Length: pieceLength * int64(pieces), Pieces: make([]metainfo.Hash, pieces)}
	st, err := OpenFileStorage(info, dir, FileStorageConfig{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// readRandomBlocks asks st for n random single blocks.
func readRandomBlocks(t testing.TB, st *FileStorage, n int, r *rand.Rand) {
	blocks := int(st.info.PieceLength / wire.BlockSize)
	for range n {
		_, err := st.ReadBlock(r.IntN(st.info.NumPieces()), r.IntN(blocks)*wire.BlockSize, wire.BlockSize)
		require.NoError(t, err)
	}
}

func readPerSent(st *FileStorage) float64 {
	s := st.Stats()
	return float64(s.Read) / float64(s.Served)
}

// TestSeederReadsWhatItSends: a seeder reads about what it sends, however
// a peer asks. Random single blocks and block 0 of pieces 0, 1, 2, 0, 1,
// 2... (which made the old whole-piece read cost 1 024 times the block
// at 16 MiB pieces: 6 400 MiB read to send 6.4 MiB) read exactly the
// blocks; an in-order walk of whole pieces reads each byte once; a walk
// stopped anywhere reads at most twice what was sent.
func TestSeederReadsWhatItSends(t *testing.T) {
	for _, pl := range []int64{256 << 10, 4 << 20, 16 << 20} {
		t.Run(fmt.Sprintf("%dKiB", pl>>10), func(t *testing.T) {
			st := sparseSeed(t, pl, 8)
			readRandomBlocks(t, st, 2000, rand.New(rand.NewPCG(1, 2)))
			require.LessOrEqual(t, readPerSent(st), 1.1, "random blocks")

			st = sparseSeed(t, pl, 8)
			for i := range 300 {
				b, err := st.ReadBlock(i%3, 0, wire.BlockSize)
				require.NoError(t, err)
				require.Len(t, b, wire.BlockSize)
			}
			require.LessOrEqual(t, readPerSent(st), 1.0, "block 0 of pieces 0,1,2,0,1,2...")

			st = sparseSeed(t, pl, 8)
			for piece := range 2 {
				for begin := 0; begin < int(pl); begin += wire.BlockSize {
					_, err := st.ReadBlock(piece, begin, wire.BlockSize)
					require.NoError(t, err)
				}
			}
			require.Equal(t, 1.0, readPerSent(st), "whole pieces in order")

			for _, stop := range []int{1, 2, 3, 5, 9, int(pl/wire.BlockSize) - 1} {
				st = sparseSeed(t, pl, 8)
				for k := range stop {
					_, err := st.ReadBlock(3, k*wire.BlockSize, wire.BlockSize)
					require.NoError(t, err)
				}
				require.LessOrEqual(t, readPerSent(st), 2.0, "in order, stopped after %d blocks", stop)
			}
		})
	}
}

// TestReadCacheReadsAheadOfInOrderWalks: peers walking pieces in order,
// interleaved, each cost a few reads of growing size (not one per
// block), and no byte is read twice, also when blocks straddle a
// read-ahead.
func TestReadCacheReadsAheadOfInOrderWalks(t *testing.T) {
	const pieceSize = 16 << 20
	var c readCache
	reads, read := 0, 0
	ask := func(piece, begin, length int) {
		data, held, n := c.get(piece, begin, length, pieceSize, DefaultReadAhead)
		if data == nil {
			reads++
			read += n - len(held)
			c.put(piece, begin, length, make([]byte, n))
		}
	}
	for begin := 0; begin < pieceSize; begin += wire.BlockSize {
		ask(1, begin, wire.BlockSize)
		ask(2, begin, wire.BlockSize)
	}
	require.Equal(t, 2*pieceSize, read)
	require.LessOrEqual(t, reads, 2*(7+15+1), "16 KiB, 16, 32, ... 1 MiB, then 1 MiB reads")

	c, reads, read = readCache{}, 0, 0
	const odd = 20000 // blocks straddle every read-ahead
	for begin := 0; begin+odd <= pieceSize; begin += odd {
		ask(5, begin, odd)
	}
	require.GreaterOrEqual(t, read, pieceSize/odd*odd)
	require.LessOrEqual(t, read, pieceSize, "no byte read twice")
	require.Less(t, reads, 40)
}

// BenchmarkSeederReadAmplification reports the bytes a seeder reads per
// byte it sends when peers ask for random single blocks.
func BenchmarkSeederReadAmplification(b *testing.B) {
	for _, pl := range []int64{256 << 10, 4 << 20, 16 << 20} {
		b.Run(fmt.Sprintf("piece=%dKiB", pl>>10), func(b *testing.B) {
			st := sparseSeed(b, pl, 16)
			r := rand.New(rand.NewPCG(3, 4))
			b.SetBytes(wire.BlockSize)
			b.ResetTimer()
			readRandomBlocks(b, st, b.N, r)
			b.ReportMetric(readPerSent(st), "read/sent")
		})
	}
}

// TestOpenFileStorageKeepsExistingFiles: a file already there is never
// shortened (a 1 MiB file named like a 10-byte torrent stayed 10 bytes);
// its first bytes are the torrent's, so it seeds. A shorter file is left
// as it is, and the pieces past its end are missing without a byte read
// or hashed (so a fresh download does not hash the torrent's size in
// zeros).
func TestOpenFileStorageKeepsExistingFiles(t *testing.T) {
	src, dir := t.TempDir(), t.TempDir()
	content := writeRandomFile(t, src, "f", 10, 7)
	mi, err := metainfo.Create(filepath.Join(src, "f"), metainfo.CreateConfig{PieceLength: 16})
	require.NoError(t, err)
	long := append(append([]byte(nil), content...), writeRandomFile(t, dir, "f", 1<<20, 8)[10:]...)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), long, 0o644))

	st, err := OpenFileStorage(&mi.Info, dir, FileStorageConfig{})
	require.NoError(t, err)
	ok, err := st.CheckPiece(0, mi.Info.Pieces[0])
	require.NoError(t, err)
	require.True(t, ok, "the torrent's bytes are the file's first")
	b, err := st.ReadBlock(0, 0, 10)
	require.NoError(t, err)
	require.Equal(t, content, b)
	require.NoError(t, st.Close())
	got, err := os.ReadFile(filepath.Join(dir, "f"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(long, got), "the existing file keeps its %d bytes (now %d)", len(long), len(got))

	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), content[:3], 0o644))
	st, err = OpenFileStorage(&mi.Info, dir, FileStorageConfig{})
	require.NoError(t, err)
	ok, err = st.CheckPiece(0, mi.Info.Pieces[0])
	require.NoError(t, err)
	require.False(t, ok, "the piece is past the file's end")
	require.NoError(t, st.Close())
	got, err = os.ReadFile(filepath.Join(dir, "f"))
	require.NoError(t, err)
	require.Equal(t, content[:3], got, "a short file is left as it is")

	big := &metainfo.Info{Name: "big", PieceLength: 1 << 20, Length: 64 << 20, Pieces: make([]metainfo.Hash, 64)}
	st, err = OpenFileStorage(big, dir, FileStorageConfig{})
	require.NoError(t, err)
	defer st.Close()
	for i := range big.NumPieces() {
		ok, err := st.CheckPiece(i, big.Pieces[i])
		require.NoError(t, err)
		require.False(t, ok)
	}
	require.Zero(t, st.Stats().Read, "a fresh download's check reads nothing")
}

// TestOpenFileStorageStaysInItsDirectory: a symbolic link planted in the
// download directory cannot make the storage create, shorten or write a
// file outside it: the torrent is refused with an error naming the path,
// and the outside file is untouched.
func TestOpenFileStorageStaysInItsDirectory(t *testing.T) {
	single := &metainfo.Info{Name: "f", PieceLength: 16, Length: 10, Pieces: make([]metainfo.Hash, 1)}
	multi := &metainfo.Info{Name: "d", PieceLength: 16, Pieces: make([]metainfo.Hash, 1),
		Files: []metainfo.File{{Length: 10, Path: []string{"sub", "victim"}}}}
	tests := []struct {
		name string
		info *metainfo.Info
		link string // in the download directory, to the outside directory or its file
		file bool   // link to the file (else to the directory)
		msg  string
	}{
		{"file", single, "f", true, "opening f in"},
		{"torrent directory", multi, "d", false, "making d/sub in"},
		{"subdirectory", multi, "d/sub", false, "making d/sub in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, outside := t.TempDir(), t.TempDir()
			victim := filepath.Join(outside, "victim")
			old := bytes.Repeat([]byte("keep"), 1<<18)
			require.NoError(t, os.WriteFile(victim, old, 0o644))
			target := outside
			if tt.file {
				target = victim
			}
			require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, tt.link)), 0o755))
			require.NoError(t, os.Symlink(target, filepath.Join(dir, tt.link)))

			_, err := OpenFileStorage(tt.info, dir, FileStorageConfig{})
			require.ErrorContains(t, err, tt.msg)
			require.ErrorContains(t, err, "path escapes from parent")
			got, err := os.ReadFile(victim)
			require.NoError(t, err)
			require.True(t, bytes.Equal(old, got), "the outside file is untouched")
			entries, err := os.ReadDir(outside)
			require.NoError(t, err)
			require.Len(t, entries, 1, "nothing created outside")
		})
	}
	// A link that stays inside the directory is followed.
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "real"), 0o755))
	require.NoError(t, os.Symlink("real", filepath.Join(dir, "d")))
	st, err := OpenFileStorage(multi, dir, FileStorageConfig{})
	require.NoError(t, err)
	require.NoError(t, st.Close())
	require.FileExists(t, filepath.Join(dir, "real", "sub", "victim"))
}

// TestOpenFileStorageRefusesCollidingPaths: two files on one path would
// share a file on disk (a recheck passed 1 of 3 pieces and ReadBlock
// served the other file's bytes); such a torrent is refused.
func TestOpenFileStorageRefusesCollidingPaths(t *testing.T) {
	info := &metainfo.Info{Name: "d", PieceLength: 16, Pieces: make([]metainfo.Hash, 3), Files: []metainfo.File{
		{Length: 16, Path: []string{"a"}}, {Length: 16, Path: []string{"b"}}, {Length: 16, Path: []string{"a"}}}}
	_, err := OpenFileStorage(info, t.TempDir(), FileStorageConfig{})
	require.ErrorIs(t, err, metainfo.ErrInvalid)
	require.ErrorContains(t, err, `same path "a"`)
}

// TestFileStoragePoolsOpenFiles: a torrent of 3 000 files (a third of
// them empty) downloads, seeds and rechecks with at most MaxOpenFiles
// open at once (one descriptor per file hit EMFILE), also when several
// goroutines check pieces at once over a pool of one file.
func TestFileStoragePoolsOpenFiles(t *testing.T) {
	src := filepath.Join(t.TempDir(), "many")
	require.NoError(t, os.Mkdir(src, 0o755))
	for i := range 3000 {
		require.NoError(t, os.WriteFile(filepath.Join(src, fmt.Sprintf("%04d", i)), bytes.Repeat([]byte{byte(i)}, i%3), 0o644))
	}
	mi, err := metainfo.Create(src, metainfo.CreateConfig{PieceLength: 1024})
	require.NoError(t, err)
	info := &mi.Info
	require.Len(t, info.Files, 3000)
	var content []byte
	for i := range 3000 {
		content = append(content, bytes.Repeat([]byte{byte(i)}, i%3)...)
	}

	dst := t.TempDir()
	st, err := OpenFileStorage(info, dst, FileStorageConfig{})
	require.NoError(t, err)
	for i := range info.NumPieces() {
		off := int64(i) * info.PieceLength
		require.NoError(t, st.StageBlock(i, 0, content[off:off+info.PieceSize(i)]))
		require.NoError(t, st.CommitPiece(i, info.Pieces[i]))
	}
	b, err := st.ReadBlock(2, 0, int(info.PieceSize(2)))
	require.NoError(t, err)
	require.Equal(t, content[2048:], b)
	stats := st.Stats()
	require.LessOrEqual(t, stats.MaxOpenFiles, DefaultMaxOpenFiles)
	require.Positive(t, stats.Reopens)
	require.NoError(t, st.Close())
	require.Zero(t, st.Stats().OpenFiles)
	for _, i := range []int{0, 1, 2, 1234, 2999} {
		got, err := os.ReadFile(filepath.Join(dst, "many", fmt.Sprintf("%04d", i)))
		require.NoError(t, err)
		require.Equal(t, bytes.Repeat([]byte{byte(i)}, i%3), got, "file %d", i)
	}

	st, err = OpenFileStorage(info, dst, FileStorageConfig{MaxOpenFiles: 1})
	require.NoError(t, err)
	defer st.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 2*info.NumPieces())
	for range 2 {
		wg.Go(func() {
			for i := range info.NumPieces() {
				ok, err := st.CheckPiece(i, info.Pieces[i])
				if err == nil && !ok {
					err = fmt.Errorf("piece %d fails its check", i)
				}
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 1, st.Stats().MaxOpenFiles)
}

// TestFileStorageRefusesBadCalls: every exported method refuses a piece,
// offset or length outside the torrent, and every call after Close, with
// an error (StageBlock(0, -16384, b) and CheckPiece after Close
// panicked); refusals are counted, and an honest call still succeeds.
func TestFileStorageRefusesBadCalls(t *testing.T) {
	st := sparseSeed(t, 32<<10, 2)
	block := make([]byte, wire.BlockSize)
	var h metainfo.Hash
	calls := []struct {
		name string
		call func() error
	}{
		{"StageBlock negative begin", func() error { return st.StageBlock(0, -wire.BlockSize, block) }},
		{"StageBlock unaligned", func() error { return st.StageBlock(0, 100, block) }},
		{"StageBlock past the piece", func() error { return st.StageBlock(0, 2*wire.BlockSize, block) }},
		{"StageBlock negative piece", func() error { return st.StageBlock(-1, 0, block) }},
		{"StageBlock piece past the end", func() error { return st.StageBlock(2, 0, block) }},
		{"StageBlock short block", func() error { return st.StageBlock(0, 0, block[:10]) }},
		{"StageBlock long block", func() error { return st.StageBlock(0, 0, make([]byte, 2*wire.BlockSize)) }},
		{"ReadBlock negative begin", func() error { _, err := st.ReadBlock(0, -1, 1); return err }},
		{"ReadBlock negative length", func() error { _, err := st.ReadBlock(0, 0, -1); return err }},
		{"ReadBlock empty", func() error { _, err := st.ReadBlock(0, 0, 0); return err }},
		{"ReadBlock past the piece", func() error { _, err := st.ReadBlock(0, 32<<10-1, 2); return err }},
		{"ReadBlock overflowing", func() error { _, err := st.ReadBlock(0, 1, int(^uint(0)>>1)); return err }},
		{"ReadBlock negative piece", func() error { _, err := st.ReadBlock(-1, 0, 1); return err }},
		{"CommitPiece negative piece", func() error { return st.CommitPiece(-1, h) }},
		{"CommitPiece piece past the end", func() error { return st.CommitPiece(2, h) }},
		{"CheckPiece negative piece", func() error { _, err := st.CheckPiece(-1, h); return err }},
		{"CheckPiece piece past the end", func() error { _, err := st.CheckPiece(2, h); return err }},
	}
	for i, c := range calls {
		require.NotPanics(t, func() { require.Error(t, c.call(), c.name) }, c.name)
		require.EqualValues(t, i+1, st.Stats().Refused, c.name)
	}
	require.NotPanics(t, func() { st.DiscardPiece(-1) })
	_, err := st.ReadBlock(1, wire.BlockSize, wire.BlockSize)
	require.NoError(t, err, "an honest call")

	require.NoError(t, st.Close())
	closed := []struct {
		name string
		call func() error
	}{
		{"StageBlock", func() error { return st.StageBlock(0, 0, block) }},
		{"ReadBlock", func() error { _, err := st.ReadBlock(0, 0, 1); return err }},
		{"CommitPiece", func() error { return st.CommitPiece(0, h) }},
		{"CheckPiece", func() error { _, err := st.CheckPiece(0, h); return err }},
		{"Close", func() error {
			if err := st.Close(); err != nil {
				return err
			}
			return ErrClosed
		}},
	}
	for _, c := range closed {
		require.NotPanics(t, func() { require.ErrorIs(t, c.call(), ErrClosed, c.name) }, c.name)
	}
	require.NotPanics(t, func() { st.DiscardPiece(0) })
}

func TestFileStorageConfigValidate(t *testing.T) {
	require.NoError(t, FileStorageConfig{}.Validate())
	require.ErrorIs(t, FileStorageConfig{MaxOpenFiles: -1}.Validate(), ErrBadConfig)
	require.ErrorContains(t, FileStorageConfig{ReadAhead: -1}.Validate(), "FileStorageConfig.ReadAhead")
	require.ErrorContains(t, ClientConfig{Storage: FileStorageConfig{MaxOpenFiles: -1}}.Validate(), "FileStorageConfig.MaxOpenFiles")
}
