package resolver

import "errors"

// This file holds serve-stale (RFC 8767): when every authority of a zone
// is unreachable, a resolution is answered from what the cache held
// before it expired, for up to Config.ServeStale, so that names keep
// resolving through an outage longer than their TTLs.

// staleTTL is the TTL of a stale answer (RFC 8767 section 4).
const staleTTL = 30

// serveStale returns the expired cache entry of r's question when it
// expired no longer than ServeStale ago, in place of the failure err.
// Only failures to reach or hear from servers are covered, not the work
// and loop limits.
func (n *Peer) serveStale(r *resolution, a Answer, err error) (Answer, error) {
	if !errors.Is(err, ErrServFail) {
		return a, err
	}
	st, ok := n.cache.lookupAnswer(r.name, r.t, n.env.Now().Add(-n.cfg.ServeStale))
	if !ok {
		return a, err
	}
	n.stats.Stale++
	st.TTL, st.FromCache = staleTTL, true
	return st, nil
}
