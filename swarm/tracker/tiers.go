package tracker

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
)

// ErrNoTracker is returned by Tiers.Announce when the torrent names no
// tracker this package speaks to.
var ErrNoTracker = errors.New("tracker: no http, https or udp tracker")

// maxTierURLs bounds the trackers kept of one torrent.
const maxTierURLs = 256

// Tiers is a torrent's trackers in BEP 12's order: tiers tried one after
// the other, the trackers of a tier in an order shuffled once, and a
// tracker that answered moved to the front of its tier, so that it is
// asked first the next time. Trackers of schemes other than http, https
// and udp are left out. It is safe for concurrent use.
type Tiers struct {
	mu    sync.Mutex
	tiers [][]string
}

// NewTiers orders the trackers of a torrent: its announce-list (BEP 12)
// if it has one, its announce URL otherwise. Each tier is shuffled; at
// most 256 trackers are kept, duplicates once.
func NewTiers(announce string, announceList [][]string) *Tiers {
	if len(announceList) == 0 {
		announceList = [][]string{{announce}}
	}
	t := &Tiers{}
	seen := map[string]bool{}
	for _, tier := range announceList {
		var kept []string
		for _, u := range tier {
			if len(seen) < maxTierURLs && supported(u) && !seen[u] {
				seen[u] = true
				kept = append(kept, u)
			}
		}
		if len(kept) > 0 {
			rand.Shuffle(len(kept), func(i, j int) { kept[i], kept[j] = kept[j], kept[i] })
			t.tiers = append(t.tiers, kept)
		}
	}
	return t
}

func supported(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https", "udp":
		return p.Host != ""
	}
	return false
}

// Len is the number of trackers.
func (t *Tiers) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, tier := range t.tiers {
		n += len(tier)
	}
	return n
}

// URLs returns the tiers in the order they are tried now.
func (t *Tiers) URLs() [][]string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([][]string, len(t.tiers))
	for i, tier := range t.tiers {
		out[i] = append([]string(nil), tier...)
	}
	return out
}

// Announce sends req to the trackers in order until one answers, and
// returns its answer and URL; a tracker that answered moves to the front
// of its tier. When none answers, the error names each tracker's failure
// (ErrNoTracker when there is none). Each attempt is bounded by the
// client's ClientConfig.Timeout.
func (t *Tiers) Announce(ctx context.Context, c *Client, req AnnounceRequest) (*AnnounceResponse, string, error) {
	var errs []error
	for i, tier := range t.URLs() {
		for _, u := range tier {
			resp, err := c.Announce(ctx, u, req)
			if err == nil {
				t.promote(i, u)
				return resp, u, nil
			}
			errs = append(errs, fmt.Errorf("%s: %w", u, err))
			if ctx.Err() != nil {
				return nil, "", noAnswer(errs)
			}
		}
	}
	if len(errs) == 0 {
		return nil, "", ErrNoTracker
	}
	return nil, "", noAnswer(errs)
}

// noAnswer is one line naming each tracker's failure; errors.Is and As
// see every one.
func noAnswer(errs []error) error {
	args := make([]any, len(errs))
	for i, e := range errs {
		args[i] = e
	}
	return fmt.Errorf("tracker: no tracker answered: "+strings.TrimSuffix(strings.Repeat("%w; ", len(errs)), "; "), args...)
}

// promote moves u to the front of tier i.
func (t *Tiers) promote(i int, u string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tier := t.tiers[i]
	for j, v := range tier {
		if v == u {
			copy(tier[1:j+1], tier[:j])
			tier[0] = u
			return
		}
	}
}
