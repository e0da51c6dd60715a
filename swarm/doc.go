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
// wire (the peer wire protocol), tracker (HTTP and UDP tracker server and
// client). A Client announces to a torrent's trackers, http(s) and udp, tier
// by tier of its announce-list (BEP 12), passing over dead ones; when none
// answers, [Progress].AnnounceErr says why and Download's error wraps it.
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
// A magnet link (metainfo.ParseMagnet) is enough: [Client.AddMagnet]
// connects to its x.pe peers and to the peers its tr= trackers name,
// fetches the info dictionary from those that speak the extension
// protocol (BEP 10, ut_metadata of BEP 9), checks it against the
// info-hash and then downloads as Add does. From ExampleClient_AddMagnet:
//
//	t, err := leecher.AddMagnet(ctx, link.String(), leechDir)
//	if err != nil {
//		panic(err)
//	}
//	if err := t.Download(ctx); err != nil {
//		panic(err)
//	}
//
// Every Peer serves the metadata of its torrent to others and exchanges
// the addresses of its peers over ut_pex (BEP 11) once a minute, except
// for a private torrent (BEP 27). [MetadataFetcher] is the magnet step as
// a node of its own, for the simulator. Peers also speak the Fast
// extension (BEP 6): they take have-all and have-none for a bitfield,
// reject the requests they will not serve (choked, cancelled) instead of
// dropping them silently, free a request the other side rejects, and
// serve a choked peer the pieces of its allowed-fast set.
//
// Web seeds (BEP 19), the url-list of a torrent and the ws of a magnet
// link or [Torrent.AddWebSeeds], are HTTP servers that hold the files: the
// client asks them for the blocks the picker hands out, in range requests
// of up to 4 MiB ([WebSeedConfig].MaxRequests at once per server), and
// checks every piece. A web seed that errors or sends a corrupt piece is
// backed off (RetryMin doubling to RetryMax); a corrupt piece that several
// sources sent is fetched again from one alone.
//
// A Client speaks uTP (BEP 29, package transport/utp) and TCP on one port
// number: the client listens once, on a TCP port and the UDP port of the
// same number, for all its torrents (the info-hash of each inbound
// handshake, read after MSE, picks the torrent; one naming none of ours is
// closed), and each torrent dials uTP first, adding TCP after 500 ms or when uTP
// fails, as libtorrent does ([ClientConfig].UTP picks another order, or
// TCP only). [ClientConfig].Transport replaces both: with
// transport/libp2p's Transport its peers are libp2p hosts, named by
// .../p2p/12D3Koo... addresses given to [Torrent.AddPeers]. Rate limits
// per torrent ([PeerConfig].UploadLimit and DownloadLimit), the choker's
// slots and periods and the memory budget are in [ClientConfig].Peer;
// [ClientConfig].UploadLimit and DownloadLimit cap all the client's
// torrents together (one token bucket each way, shared).
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
//	block reads off the loop, per peer  MaxReadsPerPeer    8
//	block reads off the loop, in all    MaxReads           64
//	hosts that sent a corrupt piece     (banned)           —
//	metadata size (magnet downloads)    MaxMetadataSize    8 MiB
//	PEX messages sent and heeded        PEXInterval        1 per peer a minute
//	peers named by one PEX message      MaxPEXPeers        100 (we send ≤ 50)
//	metadata served per connection      —                  2× the whole + 8 pieces, while ≤ 64 messages wait
//	HTTP requests per web seed          WebSeed.MaxRequests 4 of ≤ 4 MiB each
//	web seed backoff                    WebSeed.RetryMin/Max 5 s doubling to 5 min
//
// A seeder reads the blocks it uploads off the loop (Env.Offload), so a
// slow disk delays only those blocks, never other peers or keep-alives; a
// block read for a peer that choked, cancelled or left meanwhile is
// dropped (Stats.ReadsDiscarded).
//
// A peer that sends a malformed extended handshake, ut_metadata or ut_pex
// message is dropped (counted in [ExtStats].Dropped); a magnet peer that
// sends metadata failing the info-hash, a size over MaxMetadataSize or a
// piece out of range is dropped (counted in [MetadataStats]).
package swarm
