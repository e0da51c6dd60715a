"""A libtorrent DHT node on loopback, for swarm/mainline's
interoperability tests.

usage: libtorrent_dht.py PORT BOOTSTRAP_PORT

It listens on 127.0.0.1:PORT (the DHT on its UDP side), bootstraps from
127.0.0.1:BOOTSTRAP_PORT, prints "nodes N" whenever the size of its
routing table changes, and reads commands on stdin:

  announce HEX        announce 127.0.0.1:PORT for info-hash HEX
  get HEX             look HEX up; prints "peers HEX ip:port ..."
  seed TORRENT DIR    seed a torrent (announced through the DHT); prints
                      "seeding" once checked
  putimm TEXT         put the immutable item TEXT (a bencoded string)
  getimm HEX          get an immutable item; prints "imm HEX BENCODED_HEX"
  putmut SK PK SALT TEXT  put a mutable item (keys in hex, libtorrent's
                      64-byte expanded secret key), seq one past the current
  getmut PK SALT      get a mutable item; prints "mut PK SEQ BENCODED_HEX"

It exits when stdin closes. Everything but the DHT is off.
"""
import queue
import sys
import tempfile
import threading
import time
import warnings

warnings.simplefilter("ignore", DeprecationWarning)

import libtorrent as lt

port, boot = int(sys.argv[1]), int(sys.argv[2])
ses = lt.session({
    "listen_interfaces": "127.0.0.1:%d" % port,
    "enable_dht": True, "enable_lsd": False,
    "enable_upnp": False, "enable_natpmp": False,
    "dht_bootstrap_nodes": "",
    "dht_restrict_routing_ips": False,
    "dht_restrict_search_ips": False,
    "dht_prefer_verified_node_ids": False,
    "dht_enforce_node_id": False,
    "dht_ignore_dark_internet": False,
    "dht_block_ratelimit": 10000,
    "alert_mask": int(lt.alert.category_t.dht_notification |
                      lt.alert.category_t.dht_operation_notification |
                      lt.alert.category_t.status_notification),
})
ses.add_dht_node(("127.0.0.1", boot))

cmds = queue.Queue()

def read():
    for line in sys.stdin:
        cmds.put(line.split())
    cmds.put(None)

threading.Thread(target=read, daemon=True).start()

nodes = -1
seeding = None
said = False
deadline = time.time() + 120
while time.time() < deadline:
    try:
        c = cmds.get(timeout=0.05)
    except queue.Empty:
        c = []
    if c is None:
        break
    if c and c[0] == "announce":
        # The binding cannot pass dht_announce's flags: add the torrent
        # by its info-hash instead, which libtorrent announces on its
        # listen port.
        atp = lt.add_torrent_params()
        atp.info_hashes = lt.info_hash_t(lt.sha1_hash(bytes.fromhex(c[1])))
        atp.save_path = tempfile.mkdtemp()
        ses.add_torrent(atp)
    elif c and c[0] == "get":
        ses.dht_get_peers(lt.sha1_hash(bytes.fromhex(c[1])))
    elif c and c[0] == "seed":
        seeding = ses.add_torrent({"ti": lt.torrent_info(c[1]), "save_path": c[2]})
    elif c and c[0] == "putimm":
        ses.dht_put_immutable_item(c[1])
    elif c and c[0] == "getimm":
        ses.dht_get_immutable_item(lt.sha1_hash(bytes.fromhex(c[1])))
    elif c and c[0] == "putmut":
        ses.dht_put_mutable_item(bytes.fromhex(c[1]), bytes.fromhex(c[2]), c[4].encode(), c[3].encode())
    elif c and c[0] == "getmut":
        ses.dht_get_mutable_item(bytes.fromhex(c[1]), c[2].encode())
    for a in ses.pop_alerts():
        if isinstance(a, lt.dht_get_peers_reply_alert):
            ps = ["%s:%d" % p for p in a.peers()]
            print("peers %s %s" % (str(a.info_hash), " ".join(ps)), flush=True)
        elif isinstance(a, lt.dht_immutable_item_alert):
            print("imm %s %s" % (str(a.target), lt.bencode(a.item).hex()), flush=True)
        elif isinstance(a, lt.dht_mutable_item_alert):
            if a.seq > 0:
                print("mut %s %d %s" % (bytes(a.key).hex(), a.seq, lt.bencode(a.item).hex()), flush=True)
        elif isinstance(a, lt.dht_put_alert):
            print("put %d" % a.num_success, flush=True)
    if seeding is not None and not said and seeding.status().is_seeding:
        said = True
        print("seeding", flush=True)
    n = ses.status().dht_nodes
    if n != nodes:
        nodes = n
        print("nodes %d" % n, flush=True)
