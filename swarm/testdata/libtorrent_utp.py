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

# peer_info::utp_socket (1 << 17) is not exported by the Python binding.
UTP_SOCKET = 1 << 17

mode, torrent, save, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
peer = int(sys.argv[5]) if len(sys.argv) > 5 else 0

ses = lt.session({
    "listen_interfaces": "127.0.0.1:%d" % port,
    "enable_dht": False, "enable_lsd": False,
    "enable_upnp": False, "enable_natpmp": False,
    "allow_multiple_connections_per_ip": True,
    "alert_mask": int(lt.alert_category.error | lt.alert_category.peer | lt.alert_category.connect),
})


def log_alerts():
    for a in ses.pop_alerts():
        if isinstance(a, (lt.peer_disconnected_alert, lt.peer_error_alert)):
            print("alert %s" % a.message(), flush=True)
h = ses.add_torrent({"ti": lt.torrent_info(torrent), "save_path": save})


def utp_peers():
    return any(int(p.flags) & UTP_SOCKET for p in h.get_peer_info())


if mode == "seed":
    while h.status().state in (lt.torrent_status.checking_files,
                               lt.torrent_status.checking_resume_data):
        time.sleep(0.05)
    if not h.status().is_seeding:
        print("not seeding: state %s" % h.status().state, flush=True)
        sys.exit(1)
    print("ready", flush=True)
    seen = False
    while True:
        if not seen and utp_peers():
            seen = True
            print("utp yes", flush=True)
        time.sleep(0.05)

while h.status().state in (lt.torrent_status.checking_files,
                           lt.torrent_status.checking_resume_data):
    time.sleep(0.01)
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
