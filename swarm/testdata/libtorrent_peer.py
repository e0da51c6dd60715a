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

import ltpeer

mode, torrent, save, port, (peer, _) = ltpeer.args()
ses = ltpeer.session(
    port, **ltpeer.NO_UTP,
    out_enc_policy=int(lt.enc_policy.forced),
    in_enc_policy=int(lt.enc_policy.forced),
    allowed_enc_level=int(lt.enc_level.rc4),
    prefer_rc4=True,
)
h = ltpeer.add(ses, torrent, save)


def rc4_peers():
    return any(p.flags & lt.peer_info.rc4_encrypted for p in h.get_peer_info())


if mode == "seed":
    ltpeer.seed(h, ("rc4", rc4_peers))
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
