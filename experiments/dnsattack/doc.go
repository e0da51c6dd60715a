// Package dnsattack runs the DNS attacks of the textbook in the
// simulator (package transport/sim), on the same authoritative servers and
// resolvers that package dnsx serves on real networks, and measures what
// the defences are worth:
//
//   - [RootDDoS]: a flood of the root servers; resolvers that cached the
//     TLD servers' addresses keep resolving, and with serve-stale (RFC
//     8767) names whose only server is down too keep resolving after
//     their TTL has run out.
//   - [CachePoisoning]: a Kaminsky-style race of forged answers, without
//     and with each defence (random IDs and ports, bailiwick, 0x20,
//     refusing open recursion, DNSSEC); with them nothing is poisoned.
//     DNSSEC alone suffices: with the chain signed and a validating
//     resolver, forged answers that win the race are bogus.
//   - [Amplification]: spoofed queries turning a server into an amplifier,
//     without and with response rate limiting.
//
// Each run is deterministic for its seed. With seed 1 and the defaults:
//
//	root DDoS (flood of 10x the root's capacity for 20 s)
//	cache  names                                         asked  resolved     rate
//	warm   hostN.dN.com (com cached)                        85        85     100%
//	warm   hostN.example.org (org not cached)               85         0       0%
//	cold   hostN.dN.com                                     85         0       0%
//	fresh  hostN.news.org (expired, no serve-stale)         60         0       0%
//	stale  hostN.news.org (expired, serve-stale)            60        60     100%
//
//	cache poisoning (200 races, 100 forged answers each)
//	defences                                       won  poisoned www.bank.com redirected
//	none (sequential IDs, one port, no bailiwick)     1         4 true
//	bailiwick and ranking only                     200       200 false
//	random IDs only                                  0         0 false
//	random IDs and ports, bailiwick                  0         0 false
//	all: + 0x20, no open recursion                   0         0 false
//	DNSSEC only (sequential IDs, one port)           0         0 false
//
//	amplification (1000 spoofed queries/s for 10 s)
//	RRL       queries     bytes in  bytes to victim  amplification
//	false       10000       690000         10570000         15.32x
//	true        10000       690000           400858          0.58x
//
// Without defences one won race redirects www.bank.com (and the attacker
// loses the next races only because the resolver now asks the attacker's
// server for bank.com). With the bailiwick rule alone every race is won,
// but only the throwaway names rN.bank.com are poisoned.
//
// The shortest use:
//
//	res, err := dnsattack.Amplification(dnsattack.AmplificationConfig{Seed: 1, Rate: 200})
//	if err != nil {
//		panic(err)
//	}
//
// and res.Rows holds a row per setting, without and with RRL
// (ExampleAmplification).
package dnsattack
