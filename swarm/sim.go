package swarm

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// SimConfig describes a swarm run in the simulator (see [NewSim]): one
// torrent, seeds that have it, leechers that want it, and the peers'
// capacities.
type SimConfig struct {
	// Seed makes the run reproducible.
	Seed uint64
	// Leechers is N, the number of peers that start empty. Required.
	Leechers int
	// Seeds is the number of peers that start with the file. Default 1.
	Seeds int
	// FileSize is F in bytes. Required.
	FileSize int64
	// PieceLength is the piece size. Default 256 KiB.
	PieceLength int
	// PeerUpload and PeerDownload are each leecher's capacities in
	// bytes/s (u and d). PeerUpload is required; PeerDownload 0 means
	// unlimited.
	PeerUpload, PeerDownload int64
	// SeedUpload is each seed's upload capacity u_s. Required.
	SeedUpload int64
	// Latency is the one-way latency of every link. Default 20 ms.
	Latency time.Duration
	// TrackerPeers is how many peers the tracker hands out. Default 50.
	TrackerPeers int
	// Arrival, if set, gives leecher i's arrival time (flash crowd,
	// staggered joins); default: all at t = 0.
	Arrival func(i int) time.Duration
	// Peer holds the settings every node uses (picker, choker, pipeline);
	// the Sim sets Info, InfoHash, Storage, Have and OnComplete.
	Peer PeerConfig
	// FreeRiders makes the last FreeRiders leechers take without giving:
	// they never unchoke anyone.
	FreeRiders int
	// Polluters adds peers that claim the whole file and serve corrupt
	// blocks.
	Polluters int
	// SeedChurn, if set, makes seeds leave and come back: it draws how
	// long a seed stays, and SeedDowntime how long it is away.
	SeedChurn, SeedDowntime sim.Distribution
	// QueueLimit is each node's uplink queue, in bytes, before sends are
	// refused with backpressure. Default 64 KiB.
	QueueLimit int
	// Limit bounds the virtual time of the run. Default 100 × F/u.
	Limit time.Duration
	// OnSample, if set, is called every SampleEvery of virtual time with
	// the stats of every live node (seeds first, then polluters, then
	// leechers in order of arrival).
	OnSample    func(elapsed time.Duration, stats []Stats)
	SampleEvery time.Duration
}

// SimResult is what a simulated run measured.
type SimResult struct {
	// Completion is each leecher's download time (from its arrival); -1
	// for one that did not finish within the limit.
	Completion []time.Duration
	// Last is the time when the last leecher finished (from t = 0): the
	// distribution time.
	Last time.Duration
	// Bound is the D_p2p lower bound for the run's parameters.
	Bound time.Duration
	// Ratio is Last / Bound.
	Ratio float64
	// Finished is how many leechers completed.
	Finished int
	// CorruptPieces and Banned sum what the leechers reported.
	CorruptPieces, Banned int
	// Uploaded sums the payload bytes every node sent.
	Uploaded int64
	// Stats is the simulator's own counters (events processed, messages
	// sent: the run's cost), not a peer's.
	Stats sim.Stats
}

// Mean returns the mean completion time of leechers i in [from, to) that
// finished.
func (r SimResult) Mean(from, to int) time.Duration {
	var sum time.Duration
	n := 0
	for _, d := range r.Completion[from:to] {
		if d >= 0 {
			sum += d
			n++
		}
	}
	if n == 0 {
		return -1
	}
	return sum / time.Duration(n)
}

func (c SimConfig) validate() error {
	switch {
	case c.Leechers <= 0:
		return fmt.Errorf("%w: SimConfig.Leechers %d must be positive", ErrBadConfig, c.Leechers)
	case c.FileSize <= 0:
		return fmt.Errorf("%w: SimConfig.FileSize %d must be positive", ErrBadConfig, c.FileSize)
	case c.PeerUpload <= 0 || c.SeedUpload <= 0:
		return fmt.Errorf("%w: SimConfig.PeerUpload and SeedUpload must be positive", ErrBadConfig)
	case c.PeerDownload < 0:
		return fmt.Errorf("%w: SimConfig.PeerDownload %d is negative", ErrBadConfig, c.PeerDownload)
	case c.Seeds < 0 || c.Polluters < 0 || c.FreeRiders < 0:
		return fmt.Errorf("%w: SimConfig.Seeds, Polluters and FreeRiders must not be negative", ErrBadConfig)
	case c.FreeRiders > c.Leechers:
		return fmt.Errorf("%w: SimConfig.FreeRiders %d exceeds Leechers", ErrBadConfig, c.FreeRiders)
	case c.PieceLength < 0 || c.Latency < 0 || c.TrackerPeers < 0 || c.QueueLimit < 0 || c.Limit < 0:
		return fmt.Errorf("%w: SimConfig.PieceLength, Latency, TrackerPeers, QueueLimit and Limit must not be negative", ErrBadConfig)
	}
	return nil
}

func (c SimConfig) withDefaults() SimConfig {
	c.Seeds = cmp.Or(c.Seeds, 1)
	c.PieceLength = cmp.Or(c.PieceLength, metainfo.DefaultPieceLength)
	c.Latency = cmp.Or(c.Latency, 20*time.Millisecond)
	c.TrackerPeers = cmp.Or(c.TrackerPeers, 50)
	c.QueueLimit = cmp.Or(c.QueueLimit, 64<<10)
	fu := time.Duration(float64(c.FileSize) / float64(c.PeerUpload) * float64(time.Second))
	c.Limit = cmp.Or(c.Limit, 100*fu)
	return c
}

// arrival is when leecher i joins.
func (c SimConfig) arrival(i int) time.Duration {
	if c.Arrival == nil {
		return 0
	}
	return c.Arrival(i)
}

// freeRider reports whether leecher i never uploads.
func (c SimConfig) freeRider(i int) bool { return i >= c.Leechers-c.FreeRiders }

// Sim is a swarm in the simulator, measured against the textbook's
// distribution-time bound. The real Peer (piece picker and choker) runs on
// every node; a tracker stand-in gives each joining peer up to
// TrackerPeers random peers among those that joined before it, as an HTTP
// tracker's numwant does.
//
// Like the network, a Sim is used from one goroutine.
type Sim struct {
	cfg       SimConfig
	net       *sim.Network
	base      PeerConfig // every node's, before its Storage and Have
	all       wire.Bitfield
	registry  []transport.Addr               // joined peers, for the tracker stand-in
	stores    map[transport.Addr]*simStorage // honest peers' storage, for CheckAnnounced
	seeds     []transport.Addr
	res       SimResult
	remaining int   // leechers not finished yet
	err       error // a leecher that could not join
	ran       bool
}

// NewSim builds the swarm cfg describes on a new simulated network: the
// seeds and polluters join at once, the leechers at their arrival times.
// It fails with ErrBadConfig if cfg (or cfg.Peer) is invalid.
func NewSim(cfg SimConfig) (*Sim, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	info := syntheticInfo(cfg.FileSize, cfg.PieceLength)
	base := cfg.Peer
	base.Info, base.InfoHash = info, mustHash(info)
	base.Storage = &VirtualStorage{}
	if err := base.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.capacity(cfg.PeerUpload, cfg.PeerDownload).Validate(); err != nil {
		return nil, err
	}
	lat := cfg.Latency
	net, err := sim.New(sim.Config{
		Seed:    cfg.Seed,
		Latency: func(a, b int, draw uint64) time.Duration { return lat },
	})
	if err != nil {
		return nil, err
	}
	s := &Sim{cfg: cfg, net: net, base: base.withDefaults(), all: wire.NewBitfield(info.NumPieces()), remaining: cfg.Leechers,
		stores: map[transport.Addr]*simStorage{}}
	for i := range info.NumPieces() {
		s.all.Set(i)
	}
	s.res.Completion = make([]time.Duration, cfg.Leechers)
	for _, step := range []func() error{s.addSeeds, s.addPolluters, s.addLeechers, s.startChurn} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	s.startSampling()
	return s, nil
}

func mustHash(info *metainfo.Info) metainfo.Hash {
	h, err := info.Hash()
	if err != nil {
		panic(err) // a synthetic info always encodes
	}
	return h
}

// Network returns the simulated network, for faults and inspection.
func (s *Sim) Network() *sim.Network { return s.net }

// Run runs the swarm until every leecher finished or Limit passed, and
// returns what it measured. A Sim runs once.
func (s *Sim) Run() (SimResult, error) {
	if s.ran {
		return SimResult{}, fmt.Errorf("%w: a Sim runs once", ErrBadConfig)
	}
	s.ran = true
	s.net.RunWhile(func() bool { return s.remaining > 0 && s.err == nil && s.net.Elapsed() < s.cfg.Limit })
	if s.err != nil {
		return SimResult{}, s.err
	}
	s.measure()
	return s.res, nil
}

// capacity is a node's link, with the run's queue limit.
func (c SimConfig) capacity(up, down int64) sim.Capacity {
	return sim.Capacity{UpBytesPerSec: up, DownBytesPerSec: down, QueueLimit: c.QueueLimit}
}

// addNode starts a peer with pc (validated with the base config) and
// announces it.
func (s *Sim) addNode(pc PeerConfig, up, down int64) (transport.Addr, error) {
	a, err := s.net.AddNodeWith(func(env transport.Env) transport.Handler { return newPeer(env, pc) }, s.cfg.capacity(up, down))
	if err == nil {
		s.announce(a)
	}
	return a, err
}

// announce is the tracker stand-in: a gets up to TrackerPeers random
// peers among those announced before it, and joins the registry.
func (s *Sim) announce(a transport.Addr) {
	pool := slices.DeleteFunc(slices.Clone(s.registry), func(x transport.Addr) bool { return x == a })
	r := s.net.Rand()
	r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	pool = pool[:min(len(pool), s.cfg.TrackerPeers)]
	if !slices.Contains(s.registry, a) {
		s.registry = append(s.registry, a)
	}
	_ = s.net.Do(a, func(h transport.Handler) { h.(*Peer).AddPeers(pool...) })
}

func (s *Sim) addSeeds() error {
	for range s.cfg.Seeds {
		pc := s.base
		st := newSimStorage(s.base.Info.NumPieces(), true)
		pc.Storage, pc.Have = st, s.all
		a, err := s.addNode(pc, s.cfg.SeedUpload, 0)
		if err != nil {
			return err
		}
		s.stores[a] = st
		s.seeds = append(s.seeds, a)
	}
	return nil
}

func (s *Sim) addPolluters() error {
	for range s.cfg.Polluters {
		pc := s.base
		pc.Storage, pc.Have = &VirtualStorage{Polluted: true}, s.all
		if _, err := s.addNode(pc, s.cfg.PeerUpload, s.cfg.PeerDownload); err != nil {
			return err
		}
	}
	return nil
}

// addLeechers adds the leechers that arrive at t = 0 and schedules the
// others.
func (s *Sim) addLeechers() error {
	for i := range s.cfg.Leechers {
		s.res.Completion[i] = -1
		if at := s.cfg.arrival(i); at > 0 {
			s.net.AfterFunc(at, func() {
				if err := s.addLeecher(i); err != nil && s.err == nil {
					s.err = err
				}
			})
		} else if err := s.addLeecher(i); err != nil {
			return err
		}
	}
	return nil
}

func (s *Sim) addLeecher(i int) error {
	pc := s.base
	st := newSimStorage(s.base.Info.NumPieces(), false)
	pc.Storage = st
	if s.cfg.freeRider(i) {
		pc.Choker = ChokerConfig{Slots: -1, OptimisticSlots: -1}
	}
	arrival := s.cfg.arrival(i)
	pc.OnComplete = func() {
		s.res.Completion[i] = s.net.Elapsed() - arrival
		s.remaining--
	}
	a, err := s.addNode(pc, s.cfg.PeerUpload, s.cfg.PeerDownload)
	if err == nil {
		s.stores[a] = st
	}
	return err
}

// startChurn makes the seeds leave and come back, if SeedChurn is set.
func (s *Sim) startChurn() error {
	if s.cfg.SeedChurn == nil {
		return nil
	}
	_, err := s.net.StartChurn(s.seeds, sim.ChurnConfig{
		Session:  s.cfg.SeedChurn,
		Downtime: s.cfg.SeedDowntime,
		OnJoin:   s.announce,
	})
	return err
}

// startSampling calls OnSample every SampleEvery, if both are set.
func (s *Sim) startSampling() {
	if s.cfg.OnSample == nil || s.cfg.SampleEvery <= 0 {
		return
	}
	var sample func()
	sample = func() {
		s.cfg.OnSample(s.net.Elapsed(), s.liveStats())
		s.net.AfterFunc(s.cfg.SampleEvery, sample)
	}
	s.net.AfterFunc(s.cfg.SampleEvery, sample)
}

// liveStats returns the counters of every live node.
func (s *Sim) liveStats() []Stats {
	var stats []Stats
	for _, a := range s.net.Live() {
		_ = s.net.Do(a, func(h transport.Handler) { stats = append(stats, h.(*Peer).Stats()) })
	}
	return stats
}

// bound is D_p2p for the run's parameters: free-riders add no upload.
func (s *Sim) bound() time.Duration {
	ups := make([]float64, s.cfg.Leechers)
	for i := range ups {
		if !s.cfg.freeRider(i) {
			ups[i] = float64(s.cfg.PeerUpload)
		}
	}
	seeds := float64(s.cfg.SeedUpload) * float64(s.cfg.Seeds)
	return P2PTime(float64(s.cfg.FileSize), seeds, float64(s.cfg.PeerDownload), ups)
}

// measure fills in the result once the run is over.
func (s *Sim) measure() {
	res := &s.res
	res.Bound = s.bound()
	for i, d := range res.Completion {
		if d >= 0 {
			res.Finished++
			res.Last = max(res.Last, s.cfg.arrival(i)+d)
		}
	}
	if res.Finished < s.cfg.Leechers {
		res.Last, res.Ratio = -1, math.Inf(1)
	} else {
		res.Ratio = res.Last.Seconds() / res.Bound.Seconds()
	}
	for _, st := range s.liveStats() {
		res.CorruptPieces += st.CorruptPieces
		res.Banned += st.Banned
		res.Uploaded += st.Uploaded
	}
	res.Stats = s.net.Stats()
}

// syntheticInfo describes a file of size bytes whose content is never
// materialised (see VirtualStorage).
func syntheticInfo(size int64, pieceLength int) *metainfo.Info {
	n := int((size + int64(pieceLength) - 1) / int64(pieceLength))
	info := &metainfo.Info{Name: "synthetic", PieceLength: int64(pieceLength), Length: size, Pieces: make([]metainfo.Hash, n)}
	for i := range info.Pieces {
		info.Pieces[i] = metainfo.HashPiece(fmt.Appendf(nil, "piece %d", i))
	}
	return info
}
