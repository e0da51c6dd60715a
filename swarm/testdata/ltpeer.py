"""What swarm's libtorrent test peers share: their command line, a session
on loopback that finds no peer by itself, and the seed mode.

Each script takes MODE TORRENT DIR LISTEN_PORT [PORT...] and imports this
module (it lies beside them, so Python finds it).
"""
import sys
import time

import libtorrent as lt


def args():
    """Returns mode, torrent, save path, listen port and the two further
    ports (0 for those not given)."""
    ports = [int(a) for a in sys.argv[5:7]] + [0, 0]
    return sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), ports[:2]


def session(port, **settings):
    """A session listening on 127.0.0.1:port with DHT, local discovery,
    UPnP and NAT-PMP off, so that it knows only the peers it is given;
    settings override or add to those."""
    base = {
        "listen_interfaces": "127.0.0.1:%d" % port,
        "enable_dht": False, "enable_lsd": False,
        "enable_upnp": False, "enable_natpmp": False,
        "allow_multiple_connections_per_ip": True,
    }
    base.update(settings)
    return lt.session(base)


NO_UTP = {"enable_outgoing_utp": False, "enable_incoming_utp": False}


def add(ses, torrent, save):
    return ses.add_torrent({"ti": lt.torrent_info(torrent), "save_path": save})


def wait_checked(h, poll=0.05):
    while h.status().state in (lt.torrent_status.checking_files,
                               lt.torrent_status.checking_resume_data):
        time.sleep(poll)


def ready(h):
    """Waits for h to check its files and prints "ready" once it seeds;
    exits 1 if it does not."""
    wait_checked(h)
    if not h.status().is_seeding:
        print("not seeding: state %s" % h.status().state, flush=True)
        sys.exit(1)
    print("ready", flush=True)


def seed(h, watch=None, poll=0.1):
    """ready, then seeds until killed; watch(), if given, is called every
    poll seconds and prints "NAME yes" the first time it is true."""
    ready(h)
    seen = False
    while True:
        if watch and not seen and watch[1]():
            seen = True
            print("%s yes" % watch[0], flush=True)
        time.sleep(poll)
