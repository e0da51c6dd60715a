// Package dnsx is the DNS of the textbook (Kurose & Ross, section 2.4),
// built to run: resource records and zones, authoritative servers (a
// primary and its secondaries), a registrar that delegates domains under a
// TLD, an iterative caching resolver, and the defences against the attacks
// the textbook describes. The wire format is codeberg.org/miekg/dns,
// kept behind this package's own types (see Messages).
//
// Use it to serve zones ([Server]), to resolve names from the root down
// ([Resolver], or a [ResolverNode] in the simulator of transport/sim), to
// build a whole hierarchy for tests ([StartHierarchy]), and to study
// attacks (package dnsx/experiment).
//
// # Records
//
// A resource record is the textbook's (Name, Value, Type, TTL):
//
//   - A: Name is a hostname, Value its IPv4 address ([A]; AAAA for IPv6).
//   - NS: Name is a domain, Value the hostname of a server authoritative
//     for it ([NS]); in a parent zone NS records delegate the domain.
//   - CNAME: Name is an alias, Value the canonical name ([CNAME]).
//   - MX: Value is a mail server of the domain Name ([MX]).
//   - SOA starts a zone; PTR, TXT and SRV are also modelled.
//
// # Serving and resolving
//
// The shortest useful program serves a zone and resolves through it:
//
//	zone, _ := dnsx.LoadZone("networkutopia.com.zone", "networkutopia.com")
//	srv, _ := dnsx.NewServer(dnsx.ServerConfig{Zones: []*dnsx.Zone{zone}})
//	_ = srv.Start("127.0.0.1:5300") // UDP and TCP
//	defer srv.Close()
//
//	h, _ := dnsx.StartHierarchy(dnsx.HierarchyConfig{}) // root, com, networkutopia.com
//	defer h.Close()
//	r, _ := dnsx.NewResolver(h.ResolverConfig(), "")
//	defer r.Close()
//	a, _ := r.Lookup(ctx, "www.networkutopia.com", dnsx.TypeA)
//
// The server answers from precomputed responses (a parse, a map lookup and
// a copy per query), on several SO_REUSEPORT sockets with batched reads
// and writes, with EDNS0 (1232 bytes), truncation and TCP retry, several
// zones replaced atomically, NOTIFY, AXFR and IXFR ([Secondary]), and response
// rate limiting ([RRLConfig]). The resolver caches answers and negative
// answers for their TTLs, caches the TLD servers so the root is rarely
// asked, follows CNAME chains, minimises the names it sends (RFC 9156),
// merges identical lookups in flight, caps the work of one lookup (against
// NXNS amplification), retries across servers, and as a recursive server
// answers only allowed client networks. Against cache poisoning it uses
// random query IDs and a fresh random port per query, keeps only records
// within the queried zone's bailiwick, ranks cached data, and can
// randomise the case of query names (0x20).
//
// # Messages
//
// A message has two forms, and the rule is which code uses which:
//
//   - [Msg] is the message model. Clients ([Exchange]), the resolver,
//     zone transfers, NOTIFY, the experiments and the tests build and read
//     messages as a Msg; [Msg.Pack] and [Unpack] convert it to and from
//     wire form.
//   - The authoritative server's query path works on wire bytes alone: it
//     reads a query in place without allocating, and answers with
//     responses packed (from a Msg) once, when a zone is set. It builds no
//     Msg per query, and falls back to [Unpack] only for the rare
//     messages the fast reader refuses to handle (NOTIFY, IXFR's SOA).
//
// The wire library's own message type never leaves the internal package
// dnsx/internal/wire, the only code that imports it.
//
// # One protocol, two worlds
//
// Both the server ([Server.NewHandler]) and the resolver
// ([NewResolverNode]) are nodes of package transport's node model, so the
// experiments of dnsx/experiment run them in the deterministic simulator,
// while [Server.Start] and [NewResolver] run them on real sockets.
package dnsx
