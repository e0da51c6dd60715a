// Package resolver is the iterative caching resolver of the textbook: it
// resolves names from the root hints down (root, TLD, the domain's own
// servers), caches what it learns, and answers applications and, as a
// recursive server, allowed client networks (the textbook's "local DNS
// server").
//
// [Peer] is the resolver as a node of package transport's node model
// ([NewPeer]), for the simulator of transport/sim or a transport.Host;
// [Resolver] runs a Peer on real sockets, with the blocking
// [Resolver.Lookup].
//
// The resolver caches answers and negative answers for their TTLs
// ([Cache]), caches the TLD servers so the root is rarely asked, follows
// CNAME chains, minimises the names it sends (RFC 9156), merges identical
// lookups in flight, caps the work of one lookup (against NXNS
// amplification), retries across servers, and as a recursive server
// answers only allowed client networks. Against cache poisoning it uses
// random query IDs and a fresh random port per query, keeps only records
// within the queried zone's bailiwick, ranks cached data, and can
// randomise the case of query names (0x20); [InsecureOptions] turn these
// defences off for experiments.
//
// A [Resolver] given Config.Metrics exports, labelled with its address,
// p2p_dns_resolver_* (lookups, cache hits, upstream queries and timeouts,
// drops, refusals), the histogram p2p_dns_resolver_upstream_seconds (by
// proto and result) and its host's p2p_transport_* series.
//
// # DNSSEC
//
// With [Config.TrustAnchors] (DS or DNSKEY records, such as
// authserver.Hierarchy.TrustAnchor) the resolver validates (RFC 4035
// section 5): it builds the chain of trust of every zone that signs an
// answer, from the anchor down through each DS at the parent (a signed
// proof that there is none makes the zone insecure), checks the RRSIGs
// of every answer and the NSEC or NSEC3 proofs of every negative answer,
// and gives each [Answer] a [Security] state. A CNAME chain that crosses
// zones is validated link by link, each link in its own zone's chain of
// trust, and the answer has the worst state of its links (one bogus link
// makes it bogus, one in an unsigned zone insecure). The recursive server sets
// AD for clients that ask, answers bogus data with SERVFAIL and an
// Extended DNS Error (RFC 8914) unless the client set CD, and
// [Resolver.Lookup] returns [ErrBogus]. A budget of signature checks per
// resolution ([Config.MaxSignatureChecks]) and a cap on the NSEC3
// records a proof considers ([Config.MaxNSEC3Records]) bound what a
// hostile zone can cost (KeyTrap, CVE-2023-50387); unsupported
// algorithms and NSEC3 with more than [Config.MaxNSEC3Iterations] make
// answers insecure, not bogus.
//
// [Forwarder] does not iterate: it sends each question to upstream
// resolvers ([Upstream]: UDP, TCP, DNS over TLS, HTTPS or QUIC), the
// next one when one fails, caches their answers (with NoCache it is a
// stub resolver) and, given a listen address, serves clients over UDP
// and TCP as a forwarding server. A server that refuses a minimised
// question is asked the whole one, so an authoritative server given as
// the only root answers too; when resolution fails the error names the
// last server, the question and what it answered.
//
// Queries carry DNS cookies (RFC 7873; [Config.NoCookies] turns them
// off): a client cookie per server and the server cookie it last
// returned. A response with another client cookie is dropped as forged,
// and a BADCOOKIE answer is asked again with the fresh server cookie,
// then over TCP.
package resolver
