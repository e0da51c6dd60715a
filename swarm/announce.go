package swarm

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/networkutopia/p2p/swarm/tracker"
	"github.com/networkutopia/p2p/transport"
)

// announceRetry is the wait after an announce no tracker answered.
const announceRetry = 30 * time.Second

// announcer is a torrent's trackers (BEP 12 tiers, http(s) and udp) and
// the error of its last announce.
type announcer struct {
	tiers *tracker.Tiers // set before the announce loop starts, read by it alone
	mu    sync.Mutex
	err   error // of the last announce; nil once one was answered
}

func (a *announcer) setErr(err error) {
	a.mu.Lock()
	a.err = err
	a.mu.Unlock()
}

func (a *announcer) lastErr() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// startAnnouncing announces to mi's trackers, if it names any this
// package speaks to, until Close.
func (t *Torrent) startAnnouncing() {
	tiers := tracker.NewTiers(t.mi.Announce, t.mi.AnnounceList)
	if tiers.Len() == 0 {
		return
	}
	t.ann.tiers = tiers
	t.wg.Add(1)
	go t.announceLoop()
}

// announceLoop tells the trackers we started, then announces every
// interval, once more on completion, and "stopped" on Close.
func (t *Torrent) announceLoop() {
	defer t.wg.Done()
	ctx, cancel := t.stopContext()
	defer cancel()
	event := tracker.Started
	done := t.done
	wait := time.Duration(0)
	for {
		select {
		case <-time.After(wait):
		case <-done:
			event, done = tracker.Completed, nil
		case <-t.stop:
			t.announceStopped(5 * time.Second)
			return
		}
		interval, err := t.announceOnce(ctx, event)
		t.ann.setErr(err)
		if err != nil {
			t.c.cfg.Logger.Warn("swarm: announce failed", "err", err)
			interval = announceRetry
		}
		event, wait = tracker.Regular, interval
	}
}

func (t *Torrent) announceOnce(ctx context.Context, event tracker.Event) (time.Duration, error) {
	p, err := t.Progress(ctx)
	if err != nil {
		return 0, err
	}
	resp, _, err := t.ann.tiers.Announce(ctx, t.c.cfg.Tracker, t.request(p, event))
	if err != nil {
		return 0, err
	}
	addrs := make([]transport.Addr, 0, len(resp.Peers))
	for _, ap := range resp.Peers {
		if a, err := transport.TCPAddr(ap.String()); err == nil {
			addrs = append(addrs, a)
		}
	}
	if err := t.AddPeers(addrs...); err != nil {
		return 0, err
	}
	return max(resp.Interval, resp.MinInterval, time.Second), nil
}

func (t *Torrent) request(p Progress, event tracker.Event) tracker.AnnounceRequest {
	port := uint16(0)
	if ip, err := transport.ParseIPAddr(t.host.Addr()); err == nil {
		port = ip.Port
	}
	return tracker.AnnounceRequest{
		InfoHash: t.mi.InfoHash, PeerID: t.c.cfg.PeerID, Port: port,
		Uploaded: p.Uploaded, Downloaded: p.Downloaded, Left: p.Total - p.Have,
		Event: event, NumWant: t.c.cfg.NumWant, IP: t.c.cfg.AnnounceIP,
	}
}

// announceStopped sends one last announce with its own deadline, after
// the node may be gone.
func (t *Torrent) announceStopped(timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, _, _ = t.ann.tiers.Announce(ctx, t.c.cfg.Tracker, t.request(Progress{}, tracker.Stopped))
}

// dialable returns a with a wildcard IP (0.0.0.0, ::) replaced by one a
// peer can dial: the first address of an up, non-loopback interface of
// the same family, or loopback when there is none.
func dialable(a transport.Addr) transport.Addr {
	ipa, err := transport.ParseIPAddr(a)
	if err != nil {
		return a
	}
	ip, err := netip.ParseAddr(ipa.Host)
	if err != nil || !ip.IsUnspecified() {
		return a
	}
	want4 := ip.Is4()
	pick := netip.IPv6Loopback()
	if want4 {
		pick = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	ifaces, _ := net.Interfaces()
	found := false
	for _, ifc := range ifaces {
		if found || ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, na := range addrs {
			pn, ok := na.(*net.IPNet)
			if !ok {
				continue
			}
			cand, ok := netip.AddrFromSlice(pn.IP)
			cand = cand.Unmap()
			if ok && cand.Is4() == want4 && (cand.IsGlobalUnicast() || cand.IsPrivate()) {
				pick, found = cand, true
				break
			}
		}
	}
	ipa.Host = pick.String()
	out, err := transport.TCPAddr(ipa.HostPort())
	if err != nil || ipa.Net != "tcp" {
		return a
	}
	return out
}
