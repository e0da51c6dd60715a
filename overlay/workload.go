package overlay

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// ErrBadConfig is wrapped by the Validate methods of this package; the
// message names the field.
var ErrBadConfig = errors.New("overlay: bad config")

// Defaults of WorkloadConfig.
const (
	DefaultFiles          = 1000
	DefaultMedianReplicas = 10
	DefaultQueries        = 1000
	DefaultZipfAlpha      = 1.0
)

// WorkloadConfig describes the common workload of the unstructured-P2P
// experiments: a catalogue of distinct files, replicas placed on random
// nodes, and queries from random nodes for files drawn by Zipf popularity.
type WorkloadConfig struct {
	// Nodes is N, the population. Required.
	Nodes int
	// Files is the number of distinct files. Default 1000.
	Files int
	// MedianReplicas is the median number of nodes holding a file. Each
	// file's replica count is drawn from an exponential distribution with
	// that median (at least 1, at most Nodes). Default 10.
	MedianReplicas int
	// ZipfAlpha is the exponent of query popularity: file of rank k is
	// asked for with probability proportional to 1/k^ZipfAlpha. Default 1.
	ZipfAlpha float64
	// Queries is the number of queries. Default 1000.
	Queries int
	// Seed makes the workload reproducible.
	Seed uint64
}

// Validate reports the first invalid field.
func (c WorkloadConfig) Validate() error {
	bad := func(f string, v any) error { return fmt.Errorf("%w: WorkloadConfig.%s = %v", ErrBadConfig, f, v) }
	switch {
	case c.Nodes <= 0:
		return bad("Nodes", c.Nodes)
	case c.Files < 0:
		return bad("Files", c.Files)
	case c.MedianReplicas < 0:
		return bad("MedianReplicas", c.MedianReplicas)
	case c.ZipfAlpha < 0 || math.IsNaN(c.ZipfAlpha):
		return bad("ZipfAlpha", c.ZipfAlpha)
	case c.Queries < 0:
		return bad("Queries", c.Queries)
	}
	return nil
}

func (c WorkloadConfig) withDefaults() WorkloadConfig {
	c.Files = cmp.Or(c.Files, DefaultFiles)
	c.MedianReplicas = cmp.Or(c.MedianReplicas, DefaultMedianReplicas)
	c.ZipfAlpha = cmp.Or(c.ZipfAlpha, DefaultZipfAlpha)
	c.Queries = cmp.Or(c.Queries, DefaultQueries)
	return c
}

// QuerySpec is one query of a workload: which node asks for which file.
type QuerySpec struct {
	Node, File int
}

// Workload is a generated workload: the catalogue, who holds what, and
// the queries. Node and file numbers index Files and Library.
type Workload struct {
	Config WorkloadConfig
	// Files is the catalogue; file k (0-based) has popularity rank k+1.
	// Names are "song<k>.mp3", so the query "song<k>" finds exactly file
	// k.
	Files []File
	// Holders lists, per file, the nodes holding a replica (sorted).
	Holders [][]int
	// Library lists, per node, the files it holds (sorted).
	Library [][]int
	// Queries are the queries in order.
	Queries []QuerySpec
}

// Criteria returns the search text that finds file k.
func (w *Workload) Criteria(k int) string { return fmt.Sprintf("song%04d", k) }

// NewWorkload draws a workload.
func NewWorkload(cfg WorkloadConfig) (*Workload, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	r := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	w := &Workload{Config: cfg, Files: make([]File, cfg.Files), Holders: make([][]int, cfg.Files), Library: make([][]int, cfg.Nodes)}
	mean := float64(cfg.MedianReplicas) / math.Ln2
	for k := range w.Files {
		name := w.Criteria(k) + ".mp3"
		w.Files[k] = File{Name: name, Size: 4 << 20, Hash: HashOf([]byte(name))}
		n := min(max(1, int(math.Ceil(r.ExpFloat64()*mean))), cfg.Nodes)
		// n distinct random nodes (Floyd's algorithm: n draws).
		chosen := make(map[int]bool, n)
		for j := cfg.Nodes - n; j < cfg.Nodes; j++ {
			t := r.IntN(j + 1)
			if chosen[t] {
				t = j
			}
			chosen[t] = true
		}
		for node := range chosen {
			w.Holders[k] = append(w.Holders[k], node)
		}
		slices.Sort(w.Holders[k])
		for _, node := range w.Holders[k] {
			w.Library[node] = append(w.Library[node], k)
		}
	}
	cdf := zipfCDF(cfg.Files, cfg.ZipfAlpha)
	w.Queries = make([]QuerySpec, cfg.Queries)
	for i := range w.Queries {
		u := r.Float64()
		k := searchCDF(cdf, u)
		w.Queries[i] = QuerySpec{Node: r.IntN(cfg.Nodes), File: k}
	}
	return w, nil
}

// LibraryFiles returns the files node holds (Library[node] as Files).
func (w *Workload) LibraryFiles(node int) []File {
	files := make([]File, len(w.Library[node]))
	for i, k := range w.Library[node] {
		files[i] = w.Files[k]
	}
	return files
}

// MedianHolders returns the median replica count of the catalogue.
func (w *Workload) MedianHolders() int {
	counts := make([]int, len(w.Holders))
	for k, h := range w.Holders {
		counts[k] = len(h)
	}
	slices.Sort(counts)
	if len(counts) == 0 {
		return 0
	}
	return counts[len(counts)/2]
}

func zipfCDF(n int, alpha float64) []float64 {
	cdf := make([]float64, n)
	sum := 0.0
	for k := range n {
		sum += 1 / math.Pow(float64(k+1), alpha)
		cdf[k] = sum
	}
	for k := range cdf {
		cdf[k] /= sum
	}
	return cdf
}

func searchCDF(cdf []float64, u float64) int {
	lo, hi := 0, len(cdf)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if cdf[mid] < u {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}
