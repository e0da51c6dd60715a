package swarm

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// SimConfig describes a swarm run in the simulator: one torrent, seeds
// that have it, leechers that want it, and the peers' capacities. The
// real Peer (piece picker and choker) runs on every node; a tracker stand-in
// gives each joining peer up to TrackerPeers random peers among those that
// joined before it, as an HTTP tracker's numwant does.
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
	// Simulate sets Info, InfoHash, Storage, Have and OnComplete.
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
	OnSample    func(elapsed time.Duration, stats []PeerStats)
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
	// Events is the number of simulator events processed (a cost measure).
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
	case c.FreeRiders > c.Leechers:
		return fmt.Errorf("%w: SimConfig.FreeRiders %d exceeds Leechers", ErrBadConfig, c.FreeRiders)
	}
	return nil
}

// Simulate runs a swarm in the simulator and measures its distribution
// time against the D_p2p bound.
func Simulate(cfg SimConfig) (SimResult, error) {
	if err := cfg.validate(); err != nil {
		return SimResult{}, err
	}
	if cfg.Seeds == 0 {
		cfg.Seeds = 1
	}
	if cfg.PieceLength == 0 {
		cfg.PieceLength = metainfo.DefaultPieceLength
	}
	if cfg.Latency == 0 {
		cfg.Latency = 20 * time.Millisecond
	}
	if cfg.TrackerPeers == 0 {
		cfg.TrackerPeers = 50
	}
	if cfg.QueueLimit == 0 {
		cfg.QueueLimit = 64 << 10
	}
	fu := time.Duration(float64(cfg.FileSize) / float64(cfg.PeerUpload) * float64(time.Second))
	if cfg.Limit == 0 {
		cfg.Limit = 100 * fu
	}
	info := syntheticInfo(cfg.FileSize, cfg.PieceLength)
	infoHash, _ := info.Hash()
	lat := cfg.Latency
	net, err := sim.New(sim.Config{
		Seed:    cfg.Seed,
		Latency: func(a, b int, draw uint64) time.Duration { return lat },
	})
	if err != nil {
		return SimResult{}, err
	}
	all := wire.NewBitfield(info.NumPieces())
	for i := range info.NumPieces() {
		all.Set(i)
	}
	res := SimResult{Completion: make([]time.Duration, cfg.Leechers)}
	for i := range res.Completion {
		res.Completion[i] = -1
	}
	remaining := cfg.Leechers
	base := cfg.Peer
	base.Info, base.InfoHash = info, infoHash

	var registry []transport.Addr // joined peers, for the tracker stand-in
	announce := func(a transport.Addr) {
		pool := slices.DeleteFunc(slices.Clone(registry), func(x transport.Addr) bool { return x == a })
		r := net.Rand()
		r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
		pool = pool[:min(len(pool), cfg.TrackerPeers)]
		if !slices.Contains(registry, a) {
			registry = append(registry, a)
		}
		_ = net.Do(a, func(h transport.Handler) { h.(*Peer).AddPeers(pool...) })
	}
	addNode := func(pc PeerConfig, up, down int64) (transport.Addr, error) {
		return net.AddNodeWith(NewPeer(pc), sim.Capacity{UpBytesPerSec: up, DownBytesPerSec: down, QueueLimit: cfg.QueueLimit})
	}

	var seeds []transport.Addr
	for range cfg.Seeds {
		pc := base
		pc.Storage, pc.Have = &VirtualStorage{}, all
		a, err := addNode(pc, cfg.SeedUpload, 0)
		if err != nil {
			return SimResult{}, err
		}
		seeds = append(seeds, a)
		announce(a)
	}
	for range cfg.Polluters {
		pc := base
		pc.Storage, pc.Have = &VirtualStorage{Polluted: true}, all
		a, err := addNode(pc, cfg.PeerUpload, cfg.PeerDownload)
		if err != nil {
			return SimResult{}, err
		}
		announce(a)
	}
	leechers := make([]transport.Addr, cfg.Leechers)
	for i := range cfg.Leechers {
		pc := base
		pc.Storage = &VirtualStorage{}
		if i >= cfg.Leechers-cfg.FreeRiders {
			pc.Choker = ChokerConfig{Slots: -1, OptimisticSlots: -1}
		}
		var arrival time.Duration
		if cfg.Arrival != nil {
			arrival = cfg.Arrival(i)
		}
		pc.OnComplete = func() {
			res.Completion[i] = net.Elapsed() - arrival
			remaining--
		}
		join := func() {
			a, err := addNode(pc, cfg.PeerUpload, cfg.PeerDownload)
			if err != nil {
				panic(err) // validated above: cannot happen
			}
			leechers[i] = a
			announce(a)
		}
		if arrival == 0 {
			join()
		} else {
			net.AfterFunc(arrival, join)
		}
	}
	if cfg.SeedChurn != nil {
		_, err := net.StartChurn(seeds, sim.ChurnConfig{
			Session:  cfg.SeedChurn,
			Downtime: cfg.SeedDowntime,
			OnJoin:   announce,
		})
		if err != nil {
			return SimResult{}, err
		}
	}
	if cfg.OnSample != nil && cfg.SampleEvery > 0 {
		var sample func()
		sample = func() {
			var stats []PeerStats
			for _, a := range net.Live() {
				_ = net.Do(a, func(h transport.Handler) { stats = append(stats, h.(*Peer).Stats()) })
			}
			cfg.OnSample(net.Elapsed(), stats)
			net.AfterFunc(cfg.SampleEvery, sample)
		}
		net.AfterFunc(cfg.SampleEvery, sample)
	}
	deadline := cfg.Limit
	net.RunWhile(func() bool { return remaining > 0 && net.Elapsed() < deadline })

	ups := make([]float64, cfg.Leechers)
	for i := range ups {
		ups[i] = float64(cfg.PeerUpload)
		if i >= cfg.Leechers-cfg.FreeRiders {
			ups[i] = 0
		}
	}
	var dmin float64
	if cfg.PeerDownload > 0 {
		dmin = float64(cfg.PeerDownload)
	}
	res.Bound = P2PTime(float64(cfg.FileSize), float64(cfg.SeedUpload)*float64(cfg.Seeds), dmin, ups)
	for i, d := range res.Completion {
		if d >= 0 {
			res.Finished++
			arrival := time.Duration(0)
			if cfg.Arrival != nil {
				arrival = cfg.Arrival(i)
			}
			res.Last = max(res.Last, arrival+d)
		}
	}
	if res.Finished < cfg.Leechers {
		res.Last = -1
		res.Ratio = math.Inf(1)
	} else {
		res.Ratio = res.Last.Seconds() / res.Bound.Seconds()
	}
	for _, a := range net.Live() {
		_ = net.Do(a, func(h transport.Handler) {
			s := h.(*Peer).Stats()
			res.CorruptPieces += s.CorruptPieces
			res.Banned += s.Banned
			res.Uploaded += s.Uploaded
		})
	}
	res.Stats = net.Stats()
	return res, nil
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
