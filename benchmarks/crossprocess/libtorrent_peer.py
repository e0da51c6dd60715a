"""libtorrent's side of the cross-process benchmark (run.sh).

usage: libtorrent_peer.py seed|leech TORRENT DIR PORT NET [PEER_PORT]

NET is tcp or utp: the only transport libtorrent uses, both ways.
seed prints "ready" once it has checked DIR's copy, then seeds until
killed; leech connects to 127.0.0.1:PEER_PORT and prints "seconds S" and
"MB/s R" when complete (timed from connect_peer). Encryption is off, and
so are DHT, local discovery, UPnP and NAT-PMP.
"""
import sys
import time

import libtorrent as lt

mode, torrent, save, port, net = sys.argv[1:6]
peer = int(sys.argv[6]) if len(sys.argv) > 6 else 0
utp = net == "utp"
ses = lt.session({
    "listen_interfaces": "127.0.0.1:%s" % port,
    "enable_dht": False, "enable_lsd": False,
    "enable_upnp": False, "enable_natpmp": False,
    "enable_outgoing_utp": utp, "enable_incoming_utp": utp,
    "enable_outgoing_tcp": not utp, "enable_incoming_tcp": not utp,
    "out_enc_policy": int(lt.enc_policy.disabled),
    "in_enc_policy": int(lt.enc_policy.disabled),
    "allow_multiple_connections_per_ip": True,
})
ti = lt.torrent_info(torrent)
h = ses.add_torrent({"ti": ti, "save_path": save})
while h.status().state in (lt.torrent_status.checking_files,
                           lt.torrent_status.checking_resume_data):
    time.sleep(0.01)
if mode == "seed":
    if not h.status().is_seeding:
        print("not seeding: state %s" % h.status().state, flush=True)
        sys.exit(1)
    print("ready", flush=True)
    while True:
        time.sleep(1)
start = time.monotonic()
h.connect_peer(("127.0.0.1", peer))
while not h.status().is_seeding:
    if time.monotonic() - start > 600:
        print("timed out at %.1f%%" % (100 * h.status().progress), flush=True)
        sys.exit(1)
    if not h.get_peer_info() and time.monotonic() - start > 1:
        h.connect_peer(("127.0.0.1", peer))
    time.sleep(0.005)
el = time.monotonic() - start
print("seconds %.3f" % el, flush=True)
print("MB/s %.1f" % (ti.total_size() / 1e6 / el), flush=True)
