package swarm

import "os"

// seekHole is lseek's SEEK_HOLE on Linux.
const seekHole = 4

// holeIn reports whether the file has a hole, or its end, within
// [off, off+n): bytes that were never written, so a piece over them was
// never stored whole. It reports false when it cannot tell (a
// filesystem without holes reports none).
func holeIn(f *os.File, off, n int64) bool {
	// The file's offset moves, but reads and writes are positional
	// (ReadAt, WriteAt), so it matters to nobody.
	next, err := f.Seek(off, seekHole)
	return err == nil && next < off+n
}
