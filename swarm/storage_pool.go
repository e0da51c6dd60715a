package swarm

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// filePool keeps at most max of a torrent's files open, closing the least
// recently used one to open another, so a torrent of thousands of files
// does not run out of descriptors. Every path is opened through root, so
// neither a name nor a symbolic link planted in the directory can reach a
// file outside it. A file in use (between acquire and release) is never
// closed by eviction: a caller that finds every open file in use waits for
// one to be released, which holds no file while waiting, so it cannot
// deadlock.
type filePool struct {
	root  *os.Root
	dir   string   // for error messages
	paths []string // relative to root, by file index
	max   int

	mu      sync.Mutex
	cond    sync.Cond
	files   []*os.File // nil: closed
	refs    []int      // users between acquire and release
	used    []uint64   // clock of the last acquire
	open    []int      // indexes of the open files
	clock   uint64
	closed  bool
	peak    int   // most files open at once
	reopens int64 // opens of a file closed by eviction
	opened  []bool
}

func newFilePool(root *os.Root, dir string, paths []string, max int) *filePool {
	p := &filePool{root: root, dir: dir, paths: paths, max: max,
		files: make([]*os.File, len(paths)), refs: make([]int, len(paths)),
		used: make([]uint64, len(paths)), opened: make([]bool, len(paths))}
	p.cond.L = &p.mu
	return p
}

// acquire returns file k open, opening it (and creating it if missing) as
// needed. The caller must release it.
func (p *filePool) acquire(k int) (*os.File, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if p.closed {
			return nil, ErrClosed
		}
		if f := p.files[k]; f != nil {
			p.refs[k]++
			p.clock++
			p.used[k] = p.clock
			return f, nil
		}
		if len(p.open) < p.max {
			break
		}
		if p.evict() {
			break
		}
		p.cond.Wait()
	}
	f, err := p.root.OpenFile(p.paths[k], os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("swarm: opening %s in %s: %w", p.paths[k], p.dir, err)
	}
	if p.opened[k] {
		p.reopens++
	}
	p.opened[k] = true
	p.files[k], p.refs[k] = f, 1
	p.clock++
	p.used[k] = p.clock
	p.open = append(p.open, k)
	p.peak = max(p.peak, len(p.open))
	return f, nil
}

// evict closes the least recently used file nobody is using; it reports
// false if every open file is in use.
func (p *filePool) evict() bool {
	victim := -1
	for i, k := range p.open {
		if p.refs[k] == 0 && (victim < 0 || p.used[k] < p.used[p.open[victim]]) {
			victim = i
		}
	}
	if victim < 0 {
		return false
	}
	k := p.open[victim]
	p.open[victim] = p.open[len(p.open)-1]
	p.open = p.open[:len(p.open)-1]
	p.files[k].Close() // its reads and writes have returned: nothing is pending
	p.files[k] = nil
	return true
}

// release ends a use of file k begun by acquire.
func (p *filePool) release(k int) {
	p.mu.Lock()
	p.refs[k]--
	if p.refs[k] == 0 {
		p.cond.Broadcast()
	}
	p.mu.Unlock()
}

// stats returns the files open now, the most open at once and the
// reopens.
func (p *filePool) stats() (open, peak int, reopens int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.open), p.peak, p.reopens
}

// close closes every file and the root; later acquires return ErrClosed.
// A file still in use is closed under its user, whose read or write then
// fails with os.ErrClosed.
func (p *filePool) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	p.cond.Broadcast()
	var errs []error
	for _, k := range p.open {
		errs = append(errs, p.files[k].Close())
		p.files[k] = nil
	}
	p.open = nil
	errs = append(errs, p.root.Close())
	return errors.Join(errs...)
}
