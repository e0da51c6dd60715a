// Package napster is the centralized-directory design of the first P2P
// file-sharing system: peers register the files they hold with one
// server (and are unregistered when they leave or stop refreshing), a
// search asks the server which peers hold a name, and the file then moves
// peer to peer.
//
// Use it as the baseline of the unstructured-P2P comparison: two messages
// per search whatever the network's size, but every search lands on the
// one server (the bottleneck), and when it is down nobody can search (the
// single point of failure).
//
//	net, _ := sim.New(sim.Config{Seed: 1})
//	newServer, _ := napster.NewServer(napster.ServerConfig{})
//	dir := net.AddNode(newServer)
//	newPeer, _ := napster.NewPeer(napster.PeerConfig{Server: dir, Files: files})
//	net.AddNode(newPeer)
//
// # Limits
//
// The directory trusts no client with more than its share, by
// ServerConfig fields; what they refused is counted in ServerStats:
//
//	limit                              field               default  counted in
//	results per search                 MaxResults          100      CutAnswers
//	bytes of a search answer           (the frame)         1 MiB    CutAnswers
//	connections (registrations) a host MaxConnsPerAddress  8        RefusedConns
//	(file, holder) pairs of a host     MaxFilesPerAddress  10 000   RefusedFiles
//	holder named in a Register         (the connection's host)      RefusedRegistrations
//
// A host is an IPv4 address or an IPv6 /64; each connection holds one
// registration.
//
// # Metrics
//
// A [Node] given NodeConfig.Metrics exports, labelled with its address,
// p2p_napster_* (registrations, searches, failures, results, files),
// p2p_napster_uploads_* and its host's p2p_transport_* series; a
// [Directory] given DirectoryConfig.Metrics exports
// p2p_napster_directory_* (searches, registrations, expiries, refused
// registrations, connections and files, cut answers, peers, files).
package napster
