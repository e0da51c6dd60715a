// Package swarm is a BitTorrent-compatible chunk swarm and the textbook's
// model of file-distribution time.
//
// A file is cut into pieces (256 KiB by default); a tracker tells each new
// peer about others; peers tell each other which pieces they have, ask for
// the rarest first, and upload to the four peers that upload to them
// fastest (tit-for-tat), plus one chosen at random every 30 seconds
// (optimistic unchoke). Every piece is checked against its SHA-1 before it
// is written or announced, and peers that send corrupt data are banned.
//
// The protocol is written once as a [transport.Handler] (see [NewPeer]), so
// the same piece picker and choker run in the simulator (transport/sim) and
// on real networks through transport.Host, where the peer speaks the
// BitTorrent wire protocol (BEP 3) and interoperates with stock clients.
//
// Subpackages: bencode (the serialisation), metainfo (.torrent files),
// wire (the peer wire protocol), tracker (HTTP tracker server and client).
//
// Most programs use a [Client]: add a torrent with the directory that holds
// (or will hold) its files, then wait. From ExampleClient, where a seeder
// on loopback is the leecher's one peer (a tracker in the .torrent, read
// with metainfo.Load, finds peers otherwise):
//
//	leecher, err := swarm.NewClient(swarm.ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0"})
//	if err != nil {
//		panic(err)
//	}
//	defer leecher.Close()
//	t, err := leecher.Add(mi, leechDir)
//	if err != nil {
//		panic(err)
//	}
//	if err := t.AddPeers(seed.Addr()); err != nil { // or let the tracker tell
//		panic(err)
//	}
//	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
//	defer cancel()
//	if err := t.Download(ctx); err != nil {
//		panic(err)
//	}
//
// Torrent.Watch(ctx, interval) feeds a progress bar meanwhile.
//
// A Client speaks uTP (BEP 29, package transport/utp) and TCP on one port
// number: each torrent listens on a TCP port and on the UDP port of the
// same number, and dials uTP first, adding TCP after 500 ms or when uTP
// fails, as libtorrent does ([ClientConfig].UTP picks another order, or
// TCP only). [ClientConfig].Transport replaces both: with
// transport/libp2p's Transport its peers are libp2p hosts, named by
// .../p2p/12D3Koo... addresses given to [Torrent.AddPeers]. Rate limits
// ([PeerConfig].UploadLimit and DownloadLimit), the choker's slots and
// periods and the memory budget are in [ClientConfig].Peer.
//
// A Client keeps each torrent's files in a [FileStorage] under the
// directory given to Add. It opens every path through an [os.Root] of
// that directory, so neither the torrent's names (checked by metainfo)
// nor a symbolic link already there lead outside it; it never shortens a
// file that is there, and it reads for uploads about what it sends.
// Its limits, set by [ClientConfig].Storage:
//
//	limit                                  field                             default
//	files open at once (LRU)               FileStorageConfig.MaxOpenFiles    128
//	bytes one upload read fetches          FileStorageConfig.ReadAhead       1 MiB
//	bytes read per byte sent               —                                 ≤ 2 (1 for out-of-order blocks)
//	pieces whose last read is kept         —                                 8 (≤ 8 × ReadAhead bytes)
//
// Calls refused (a piece or offset outside the torrent, a call after
// Close) are counted in [FileStorageStats].Refused.
// Peer connections use message stream encryption (MSE/PE, package
// swarm/mse) as [ClientConfig].Encryption says: by default a torrent's
// port accepts plaintext and encrypted peers, and dials encrypted first,
// redialling in plaintext a peer that closes the encrypted handshake, as
// libtorrent does by default. MSE hides the traffic from shapers, not
// from an attacker.
//
// A peer we dialled whose dial fails or whose connection drops is
// dialled again with backoff ([PeerConfig].RedialMin, 5 s, doubling to
// RedialMax, 5 min) while the torrent is incomplete; [Progress].Stalled
// says why a download makes no progress, and a [Torrent.Download] that
// ends on its context wraps it.
//
// [NewSim] builds a whole swarm in the simulator; its Run measures it
// against the distribution-time bound.
//
// The distribution-time bounds compare client-server with P2P
// (ExampleP2PTime, with F/u one hour and the server uploading 10u: at
// N = 35, 3.50 h against 0.78 h):
//
//	for _, n := range []int{1, 5, 10, 20, 30, 35} {
//		cs := swarm.ClientServerTime(f, us, us, n)
//		p2p := swarm.P2PTime(f, us, us, swarm.UniformUploads(n, u))
//		fmt.Printf("N=%2d  client-server %.2f h  P2P %.2f h\n", n, cs.Hours(), p2p.Hours())
//	}
//
// # Limits
//
// What a remote can make a [Peer] hold is bounded by [PeerConfig] fields,
// and what they refused is counted in [Stats]. Limits and bans count
// hosts (an IPv4 address, an IPv6 /64; see [PeerConfig].MaxPeersPerHost),
// never the peer id a remote chooses:
//
//	limit                               field              default
//	connections (then evict the idlest) MaxPeers           100
//	connections per host                MaxPeersPerHost    1
//	addresses waiting to be dialled     MaxKnownPeers      3000 (with those in backoff)
//	redial backoff                      RedialMin/Max      5 s doubling to 5 min
//	requests queued per peer            MaxQueuedRequests  2048
//	hosts that sent a corrupt piece     (banned)           —
package swarm
