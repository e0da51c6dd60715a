package mem

import (
	"sync"
	"time"
)

// memLink is the state of the link between two hosts: its settings, its
// partition flag, the bandwidth schedule of each direction and the
// streams open across it.
type memLink struct {
	mu          sync.Mutex
	cfg         LinkConfig
	overridden  bool         // cfg was set by SetLink
	partitioned bool         // Partition cut the link
	busyUntil   [2]time.Time // per direction: when the last queued byte has left
	pairs       map[*memConnPair]struct{}
}

// memLinkDir is one direction of a link: 0 from the lower host name to
// the higher, 1 back.
type memLinkDir struct {
	l   *memLink
	dir int
}

// memLinkKey orders a pair of host names so both directions share one
// link, and says which direction a→b is.
func memLinkKey(a, b string) ([2]string, int) {
	if a <= b {
		return [2]string{a, b}, 0
	}
	return [2]string{b, a}, 1
}

// linkLocked returns the link from host a to host b, creating it with the
// network's defaults. n.mu must be held.
func (n *Network) linkLocked(a, b string) memLinkDir {
	key, dir := memLinkKey(a, b)
	l := n.links[key]
	if l == nil {
		l = &memLink{cfg: n.cfg.Link, pairs: make(map[*memConnPair]struct{})}
		n.links[key] = l
	}
	return memLinkDir{l: l, dir: dir}
}

func (n *Network) link(a, b string) *memLink {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.linkLocked(a, b).l
}

// SetLink sets the latency, loss and bandwidth of the link between hosts
// a and b, in both directions (a == b is the host's link to itself). It
// applies to data sent from now on, including on open streams.
func (n *Network) SetLink(a, b string, cfg LinkConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	l := n.link(a, b)
	l.mu.Lock()
	l.cfg, l.overridden = cfg, true
	l.mu.Unlock()
	return nil
}

// ResetLink gives the link between a and b the network's default settings
// again.
func (n *Network) ResetLink(a, b string) {
	l := n.link(a, b)
	l.mu.Lock()
	l.cfg, l.overridden = n.cfg.Link, false
	l.mu.Unlock()
}

// Link returns the settings of the link between a and b.
func (n *Network) Link(a, b string) LinkConfig {
	l := n.link(a, b)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cfg
}

// Partition cuts the link between hosts a and b until Heal: dials across
// it fail with [transport.ErrUnreachable], the streams open across it fail at once
// (reads return what had already arrived, then an error wrapping
// transport.ErrUnreachable and syscall.ECONNRESET; data in flight is lost), and
// datagrams sent across it are dropped.
func (n *Network) Partition(a, b string) {
	l := n.link(a, b)
	l.mu.Lock()
	l.partitioned = true
	l.mu.Unlock()
	for _, p := range l.openPairs() {
		p.reset(errMemReset)
	}
}

// Heal joins hosts a and b again after Partition. Streams that the
// partition broke stay broken; new ones can be dialled.
func (n *Network) Heal(a, b string) {
	l := n.link(a, b)
	l.mu.Lock()
	l.partitioned = false
	l.mu.Unlock()
}

// HealAll ends every partition.
func (n *Network) HealAll() {
	n.mu.Lock()
	links := make([]*memLink, 0, len(n.links))
	for _, l := range n.links {
		links = append(links, l)
	}
	n.mu.Unlock()
	for _, l := range links {
		l.mu.Lock()
		l.partitioned = false
		l.mu.Unlock()
	}
}

func (l *memLink) openPairs() []*memConnPair {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*memConnPair, 0, len(l.pairs))
	for p := range l.pairs {
		out = append(out, p)
	}
	return out
}

// isPartitioned reports whether the link is cut.
func (d memLinkDir) isPartitioned() bool {
	d.l.mu.Lock()
	defer d.l.mu.Unlock()
	return d.l.partitioned
}

// latency returns the link's one-way latency.
func (d memLinkDir) latency() time.Duration {
	d.l.mu.Lock()
	defer d.l.mu.Unlock()
	return d.l.cfg.Latency
}

// memShapeChunk is the most stream data scheduled as one unit on a
// bandwidth-limited link, so a reader sees data arrive at the link's pace
// rather than one large write at once.
const memShapeChunk = 16 << 10

// sendStream schedules up to size bytes of a stream on this direction and
// returns how many it took and when they arrive: the zero time means now
// (a perfect link). The second result is false across a partition.
func (d memLinkDir) sendStream(size int) (n int, at time.Time, ok bool) {
	l := d.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.partitioned {
		return 0, time.Time{}, false
	}
	if l.cfg.Bandwidth > 0 && size > memShapeChunk {
		size = memShapeChunk
	}
	return size, l.scheduleLocked(d.dir, size), true
}

// sendPacket schedules a datagram of size bytes and returns when it
// arrives, its loss probability, and false across a partition.
func (d memLinkDir) sendPacket(size int) (at time.Time, loss float64, ok bool) {
	l := d.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.partitioned {
		return time.Time{}, 0, false
	}
	return l.scheduleLocked(d.dir, size), l.cfg.Loss, true
}

// scheduleLocked queues size bytes behind the direction's earlier data
// and returns their arrival time: when the last byte has left at the
// link's bandwidth, plus latency. A perfect link returns the zero time.
func (l *memLink) scheduleLocked(dir, size int) time.Time {
	if l.cfg.Latency == 0 && l.cfg.Bandwidth == 0 {
		return time.Time{}
	}
	t := time.Now()
	if bw := l.cfg.Bandwidth; bw > 0 {
		start := t
		if l.busyUntil[dir].After(start) {
			start = l.busyUntil[dir]
		}
		l.busyUntil[dir] = start.Add(time.Duration(int64(size) * int64(time.Second) / bw))
		t = l.busyUntil[dir]
	}
	return t.Add(l.cfg.Latency)
}
