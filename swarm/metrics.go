package swarm

import (
	"context"

	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/networkutopia/p2p/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// torrentSeries are the series of ClientConfig.Metrics, read from a
// torrent's Stats.
var torrentSeries = []metrics.Series[Stats]{
	{Name: "pieces", Help: "Pieces verified and held.", Gauge: true, Value: func(s Stats) float64 { return float64(s.Pieces) }},
	{Name: "pieces_total", Help: "Pieces in the torrent.", Gauge: true, Value: func(s Stats) float64 { return float64(s.NumPieces) }},
	{Name: "downloaded_bytes_total", Help: "Payload bytes received.", Value: func(s Stats) float64 { return float64(s.Downloaded) }},
	{Name: "uploaded_bytes_total", Help: "Payload bytes sent.", Value: func(s Stats) float64 { return float64(s.Uploaded) }},
	{Name: "wasted_bytes_total", Help: "Payload bytes received twice or in corrupt pieces.", Value: func(s Stats) float64 { return float64(s.Wasted) }},
	{Name: "download_rate_bytes", Help: "Recent download rate, bytes/s.", Gauge: true, Value: func(s Stats) float64 { return s.DownloadRate }},
	{Name: "upload_rate_bytes", Help: "Recent upload rate, bytes/s.", Gauge: true, Value: func(s Stats) float64 { return s.UploadRate }},
	{Name: "peers", Help: "Connections past the handshake.", Gauge: true, Value: func(s Stats) float64 { return float64(s.Peers) }},
	{Name: "unchoked", Help: "Peers we upload to.", Gauge: true, Value: func(s Stats) float64 { return float64(s.Unchoked) }},
	{Name: "hash_failures_total", Help: "Pieces that failed their hash check.", Value: func(s Stats) float64 { return float64(s.CorruptPieces) }},
	{Name: "banned_hosts", Help: "Hosts banned for sending corrupt pieces.", Gauge: true, Value: func(s Stats) float64 { return float64(s.Banned) }},
	{Name: "refused_banned_total", Help: "Inbound connections refused from banned hosts.", Value: func(s Stats) float64 { return float64(s.RefusedBanned) }},
	{Name: "refused_per_host_total", Help: "Connections refused because their host had MaxPeersPerHost already.", Value: func(s Stats) float64 { return float64(s.RefusedPerHost) }},
	{Name: "refused_full_total", Help: "Inbound connections refused because every slot held a useful peer.", Value: func(s Stats) float64 { return float64(s.RefusedFull) }},
	{Name: "evicted_total", Help: "Peers disconnected to make room for a newcomer.", Value: func(s Stats) float64 { return float64(s.Evicted) }},
	{Name: "refused_flood_total", Help: "Peers dropped for having more than MaxQueuedRequests requests waiting.", Value: func(s Stats) float64 { return float64(s.RefusedFlood) }},
	{Name: "reads_refused_total", Help: "Block reads the host refused to run off the loop (offload queue full), retried.", Value: func(s Stats) float64 { return float64(s.ReadsRefused) }},
	{Name: "reads_discarded_total", Help: "Blocks read for a peer that choked, cancelled or left meanwhile, not sent.", Value: func(s Stats) float64 { return float64(s.ReadsDiscarded) }},
	{Name: "known_refused_total", Help: "Addresses ignored because MaxKnownPeers were waiting to be dialled.", Value: func(s Stats) float64 { return float64(s.KnownRefused) }},
	{Name: "extension_dropped_total", Help: "Peers dropped for a malformed extension message (BEP 10, 9, 11).", Value: func(s Stats) float64 { return float64(s.Extensions.Dropped) }},
	{Name: "metadata_served_total", Help: "Metadata pieces sent to magnet downloaders (BEP 9).", Value: func(s Stats) float64 { return float64(s.Extensions.MetadataServed) }},
	{Name: "pex_learnt_total", Help: "Peer addresses learnt through PEX (BEP 11).", Value: func(s Stats) float64 { return float64(s.Extensions.PEXLearnt) }},
}

// collector is the torrent's metrics collector, labelled with its
// info-hash; a scrape reads Stats on the torrent's loop.
func (t *Torrent) collector() prometheus.Collector {
	return metrics.New("p2p", "swarm", prometheus.Labels{"infohash": t.mi.InfoHash.String()}, metrics.Within(func(ctx context.Context) (Stats, error) {
		return transport.Do(ctx, t.host, func(reply func(Stats, error)) { reply(t.peer.Stats(), nil) })
	}), torrentSeries)
}
