"""A libtorrent peer on loopback with PEX on (the ut_pex plugin is on by
default) and plaintext allowed, for swarm's PEX interoperability test.

usage: libtorrent_pex.py seed|learn TORRENT DIR LISTEN_PORT [PEER_PORT [WANT_PORT]]

seed:  checks DIR's copy, prints "ready", then seeds until killed.
learn: connects only to 127.0.0.1:PEER_PORT and waits until it knows a
       second peer, which it can only have learnt through PEX, or is
       connected to 127.0.0.1:WANT_PORT; prints "pex yes" and exits 0, or
       "timed out" and exits 1 after 25 s.
DHT, local discovery, UPnP, NAT-PMP and trackers are off.
"""
import sys
import time

import libtorrent as lt

import ltpeer

mode, torrent, save, port, (peer, want) = ltpeer.args()
ses = ltpeer.session(port, **ltpeer.NO_UTP)
h = ltpeer.add(ses, torrent, save)

if mode == "seed":
    ltpeer.seed(h)

deadline = time.time() + 25
while time.time() < deadline:
    peers = h.get_peer_info()
    if peer and not any(p.ip[1] == peer for p in peers):
        h.connect_peer(("127.0.0.1", peer))
    for p in peers:
        if p.ip[1] == want:
            print("pex yes: connected, source flags %d (pex %d)" % (p.source, p.source & lt.peer_info.pex), flush=True)
            sys.exit(0)
    if h.status().list_peers >= 2:
        # It was told only of PEER_PORT: the other came from PEX. (libtorrent
        # may take its time to dial a PEX candidate; learning is what counts.)
        print("pex yes: %d peers known" % h.status().list_peers, flush=True)
        sys.exit(0)
    time.sleep(0.05)
print("timed out: peers %s, %d known" % ([p.ip for p in h.get_peer_info()], h.status().list_peers), flush=True)
sys.exit(1)
