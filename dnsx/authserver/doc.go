// Package authserver is the authoritative DNS server of the textbook: it
// answers from the zones it holds (package dnsx), a response per query
// and no recursion.
//
// The server ([Server]) answers from precomputed responses (a parse, a
// map lookup and a copy per query), on several SO_REUSEPORT sockets with
// batched reads and writes, with EDNS0 (1232 bytes), truncation and TCP
// retry, several zones replaced atomically ([Server.SetZone]), NOTIFY,
// AXFR and IXFR ([Secondary], [Transfer]), and response rate limiting
// ([RRLConfig]). [Server.Start] serves it on real sockets;
// [Server.NewHandler] makes it a node of package transport's node model
// (a [Handler]), for the simulator of transport/sim or a transport.Host.
//
// Transfers run in both worlds. On sockets, Start's TCP server answers
// AXFR and IXFR, SetZone sends NOTIFY to Config.Notify, and a
// [Secondary] keeps a server's copies in step. On the node model, the
// Handler answers transfers on connections, [Handler.SetZone] sends
// NOTIFY to Config.NotifyPeers, and [Server.NewSecondaryHandler] is the
// secondary; Secondary is that same handler on a transport.Host, so one
// state machine, driven by messages and timers, keeps zones in step
// everywhere.
//
// Operators' needs: TSIG ([TSIGConfig], RFC 8945) signs and checks
// transfers (every message), NOTIFY, queries and updates with keys read
// from BIND key files (dnsx.LoadTSIGKeys) or dig's -y form; dynamic
// update ([UpdateConfig], RFC 2136 signed as RFC 3007 asks) lets the keys
// of a policy change records, bumps the serial and journals each change
// for IXFR ([TransferTSIG] is the signed client of both transfers), and
// when a [ZoneSigner] keeps the zone signed the change is signed with it.
// Encrypted DNS: [Server.StartDoT] (RFC 7858), [Server.StartDoH] (RFC
// 8484) and [Server.StartDoQ] (RFC 9250, over quic-go), under the TCP
// connection limits. DNS cookies (RFC 7873, RFC 9018 server cookies,
// [CookieConfig]) exempt proven clients from rate limiting, and with
// CookieConfig.Require a UDP client must prove its address (BADCOOKIE).
//
// A [Registrar] delegates domains under a TLD zone. [StartHierarchy]
// starts a whole hierarchy on loopback (a root, com, and
// networkutopia.com, registered as the textbook does), for tests and
// examples; point a resolver (package dnsx/resolver) at it with its
// Roots and ServerAddr.
//
// # DNSSEC
//
// A signed zone (dnsx.SignZone) is served signed to queries with the DO
// bit: RRSIGs with every RRset, NSEC or NSEC3 proofs with negative
// answers, and DS records (or the proof that there are none) with
// referrals; a signed answer too large for the client is truncated whole
// (RFC 4035 section 3.1.1). A registrar that keeps its TLD signed
// ([Registrar.SignWith]) inserts the DS of a signed domain
// ([Registrar.RegisterSigned]) and re-signs. With HierarchyConfig.DNSSEC
// the hierarchy is signed from the root down and exports the root's
// trust anchor ([Hierarchy.TrustAnchor], [Hierarchy.WriteTrustAnchor]);
// ExampleStartHierarchy_dnssec validates www.networkutopia.com through it.
//
// # Limits
//
// Everything a remote can make the server hold is bounded; see
// SECURITY.md for the table of limits, their Config fields and the
// [Stats] counters of what they refused.
package authserver
