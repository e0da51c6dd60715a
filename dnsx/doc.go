// Package dnsx is the DNS of the textbook (Kurose & Ross, section 2.4),
// built to run. This package holds what every part shares: domain names,
// resource records, zones (with master files and the authoritative lookup
// of RFC 1034), and DNS messages with their codecs for package transport's
// node model. The parts that run are its subpackages:
//
//	dnsx/authserver  the authoritative server: zones served over UDP and
//	                 TCP or on the node model, rate limiting, zone
//	                 transfers (AXFR, IXFR), NOTIFY and secondaries, the
//	                 registrar of a TLD, and a whole hierarchy on loopback
//	                 (StartHierarchy) for tests and examples
//	dnsx/resolver    the iterative caching resolver and recursive server,
//	                 its defences against cache poisoning and NXNS
//	                 amplification, as a node of the node model (Peer) and
//	                 on real sockets (Resolver)
//
// Package experiments/dnsattack runs the textbook's attacks on them in the
// simulator.
//
// The wire format is codeberg.org/miekg/dns, kept behind this package's
// own types (see Messages).
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
// The records of the textbook, as this package models them (ExampleNewRR):
//
//	for _, rr := range []dnsx.RR{
//		dnsx.MustRR("www.networkutopia.com", "212.212.71.4", dnsx.TypeA, 3600),
//		dnsx.MustRR("networkutopia.com", "dns1.networkutopia.com", dnsx.TypeNS, 172800),
//		dnsx.MustRR("networkutopia.com", "10 mail.networkutopia.com", dnsx.TypeMX, 3600),
//	} {
//		fmt.Println(rr)
//	}
//
// LoadZone reads a master file into a [Zone]; authserver.NewServer
// serves zones and resolver.NewResolver resolves through them. The
// shortest program that does both, authserver's ExampleStartHierarchy,
// starts the registrar scenario's root, com and networkutopia.com servers
// on loopback and resolves www.networkutopia.com from the root down.
//
// # DNSSEC
//
// [SignZone] signs a zone (RFC 4033–4035): DNSKEY records at the apex, an
// RRSIG over every authoritative RRset, and NSEC or NSEC3 records (RFC
// 5155 with RFC 9276's parameters) for authenticated denial, with keys
// of algorithm 13 or 15 made by [GenerateKey] or read from BIND's key
// files ([ReadKeyFiles]); ECDSA signatures are deterministic (RFC 6979).
// A key-signing key signs the DNSKEY RRset and a zone-signing key the
// rest (ExampleSignZone shows which signs what); a [Key]'s DS record goes
// to the parent zone. [Zone.LookupDNSSEC] answers a query with the DO
// bit (authserver's ExampleStartHierarchy_dnssec validates a signed
// chain from the root):
//
//	signed, err := dnsx.SignZone(zone, dnsx.SignConfig{Keys: []*dnsx.Key{ksk, zsk}, NSEC3: true})
//	if err != nil {
//		panic(err)
//	}
//
// # Messages
//
// A message has two forms, and the rule is which code uses which:
//
//   - [Msg] is the message model. Clients ([Exchange]), the resolver,
//     zone transfers, NOTIFY, the experiments and the tests build and read
//     messages as a Msg; [Msg.Pack] and [Unpack] convert it to and from
//     wire form, and [PacketCodec] and [StreamCodec] carry it (or its
//     wire bytes) on the node model.
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
// Both the authoritative server (authserver.Server.NewHandler) and the
// resolver (resolver.NewPeer) are nodes of package transport's node
// model, so the experiments of experiments/dnsattack run them in the
// deterministic simulator, while authserver.Server.Start and
// resolver.NewResolver run them on real sockets.
package dnsx
