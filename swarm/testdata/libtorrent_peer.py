"""A libtorrent peer on loopback with encryption forced (RC4 only), for
swarm's interoperability tests.

usage: libtorrent_peer.py seed|leech TORRENT DIR LISTEN_PORT [PEER_PORT]

seed:  checks DIR's copy, prints "ready", then seeds until killed.
leech: downloads into DIR from 127.0.0.1:PEER_PORT; prints "done" and
       "rc4 yes" if a peer connection was seen RC4-encrypted (sampled
       every 10 ms: a fast transfer may end unseen), exits 0.
DHT, local discovery, UPnP and NAT-PMP are off: only the given peer.
"""
import sys
import time

import libtorrent as lt

mode, torrent, save, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
peer = int(sys.argv[5]) if len(sys.argv) > 5 else 0

ses = lt.session({
    "listen_interfaces": "127.0.0.1:%d" % port,
    "enable_dht": False, "enable_lsd": False,
    "enable_upnp": False, "enable_natpmp": False,
    "enable_outgoing_utp": False, "enable_incoming_utp": False,
    "out_enc_policy": int(lt.enc_policy.forced),
    "in_enc_policy": int(lt.enc_policy.forced),
    "allowed_enc_level": int(lt.enc_level.rc4),
    "prefer_rc4": True,
    "allow_multiple_connections_per_ip": True,
})
h = ses.add_torrent({"ti": lt.torrent_info(torrent), "save_path": save})

def rc4_peers():
    return any(p.flags & lt.peer_info.rc4_encrypted for p in h.get_peer_info())

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
        if not seen and rc4_peers():
            seen = True
            print("rc4 yes", flush=True)
        time.sleep(0.1)

rc4 = False
deadline = time.time() + 60
while time.time() < deadline:
    if peer and not h.get_peer_info():
        h.connect_peer(("127.0.0.1", peer))
    rc4 = rc4 or rc4_peers()
    if h.status().is_seeding:
        print("done", flush=True)
        print("rc4 %s" % ("yes" if rc4 else "no"), flush=True)
        sys.exit(0)
    time.sleep(0.01)
print("timed out: %s" % h.status().progress, flush=True)
sys.exit(1)
