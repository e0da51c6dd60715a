"""A libtorrent peer on loopback on its default connection settings (uTP
first, encryption enabled), for swarm's uTP interoperability tests.

usage: libtorrent_utp.py seed|leech TORRENT DIR LISTEN_PORT [PEER_PORT]

seed:  checks DIR's copy, prints "ready", then seeds until killed; prints
       "utp yes" once a peer is connected over uTP.
leech: calls connect_peer(127.0.0.1:PEER_PORT), prints "dial_ms N" (when
       libtorrent starts the connection: it dials from its periodic tick,
       not at once), "first_byte_ms N"
       (from connect_peer to the first payload byte, polled every ms),
       "done" when complete, and "utp yes|no" (whether the peer connection
       was a uTP socket), then exits 0.
DHT, local discovery, UPnP and NAT-PMP are off: only the given peer.
"""
import sys
import time

import libtorrent as lt

import ltpeer

# peer_info::utp_socket (1 << 17) is not exported by the Python binding.
UTP_SOCKET = 1 << 17

mode, torrent, save, port, (peer, _) = ltpeer.args()
ses = ltpeer.session(port, alert_mask=int(lt.alert_category.error | lt.alert_category.peer | lt.alert_category.connect))


def log_alerts():
    for a in ses.pop_alerts():
        if isinstance(a, (lt.peer_disconnected_alert, lt.peer_error_alert)):
            print("alert %s" % a.message(), flush=True)


h = ltpeer.add(ses, torrent, save)


def utp_peers():
    return any(int(p.flags) & UTP_SOCKET for p in h.get_peer_info())


if mode == "seed":
    ltpeer.seed(h, ("utp", utp_peers), poll=0.05)

ltpeer.wait_checked(h, 0.01)
start = time.monotonic()
h.connect_peer(("127.0.0.1", peer))
first = None
dialled = None
utp = False
deadline = start + 60
while time.monotonic() < deadline:
    peers = h.get_peer_info()
    utp = utp or any(int(p.flags) & UTP_SOCKET for p in peers)
    if dialled is None and peers:
        dialled = time.monotonic() - start
        print("dial_ms %d" % (dialled * 1000), flush=True)
    if first is None and any(p.total_download > 0 for p in peers):
        first = time.monotonic() - start
        print("first_byte_ms %d" % (first * 1000), flush=True)
    if h.status().is_seeding:
        print("done", flush=True)
        print("utp %s" % ("yes" if utp else "no"), flush=True)
        sys.exit(0)
    if not peers and time.monotonic() - start > 1:
        h.connect_peer(("127.0.0.1", peer))
    log_alerts()
    time.sleep(0.001)
print("timed out: %s" % h.status().progress, flush=True)
sys.exit(1)
