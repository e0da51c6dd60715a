"""A libtorrent peer on loopback that finds its peers only through the
torrent's tracker, for swarm's UDP tracker interoperability tests.

usage: libtorrent_tracker_peer.py seed|leech TORRENT DIR LISTEN_PORT

seed:  checks DIR's copy, prints "ready", then seeds until killed.
leech: downloads into DIR, prints "done" and exits 0 (1 after 60 s).
Both print "announced N" for each tracker reply (N peers) and
"tracker error: ..." for each failure. DHT, local discovery, UPnP, NAT-PMP
and uTP are off.
"""
import sys
import time

import libtorrent as lt

import ltpeer

mode, torrent, save, port, _ = ltpeer.args()
ses = ltpeer.session(
    port, **ltpeer.NO_UTP,
    alert_mask=lt.alert.category_t.tracker_notification | lt.alert.category_t.error_notification,
)
h = ltpeer.add(ses, torrent, save)
if mode == "seed":
    ltpeer.ready(h)
else:
    ltpeer.wait_checked(h)
deadline = time.time() + 60
while time.time() < deadline:
    for a in ses.pop_alerts():
        if isinstance(a, lt.tracker_reply_alert):
            print("announced %d" % a.num_peers, flush=True)
        elif isinstance(a, lt.tracker_error_alert):
            print("tracker error: %s" % a.message(), flush=True)
    if mode == "leech" and h.status().is_seeding:
        print("done", flush=True)
        sys.exit(0)
    time.sleep(0.05)
print("timed out: %s" % h.status().progress, flush=True)
sys.exit(1)
