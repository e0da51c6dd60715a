package dnsattack_test

import (
	"fmt"

	"github.com/networkutopia/p2p/experiments/dnsattack"
)

// The amplification experiment: without rate limiting the victim receives
// about 15 times what the attacker sends; with RRL less than it sent
// (mostly the truncated replies that let real clients retry over TCP).
func ExampleAmplification() {
	res, err := dnsattack.Amplification(dnsattack.AmplificationConfig{Seed: 1, Rate: 200})
	if err != nil {
		panic(err)
	}
	for _, row := range res.Rows {
		fmt.Printf("RRL %v: %.1fx\n", row.RRL, row.Factor())
	}
	// Output:
	// RRL false: 15.3x
	// RRL true: 0.9x
}

// The poisoning experiment in short: how many races each set of defences
// lost.
func ExampleCachePoisoning() {
	res, err := dnsattack.CachePoisoning(dnsattack.PoisoningConfig{Seed: 1, Rounds: 20})
	if err != nil {
		panic(err)
	}
	for _, row := range res.Rows {
		fmt.Printf("%s: won %d, www.bank.com redirected %v\n", row.Name, row.Won, row.VictimRedirected)
	}
	// Output:
	// none (sequential IDs, one port, no bailiwick): won 1, www.bank.com redirected true
	// bailiwick and ranking only: won 20, www.bank.com redirected false
	// random IDs only: won 0, www.bank.com redirected false
	// random IDs and ports, bailiwick: won 0, www.bank.com redirected false
	// all: + 0x20, no open recursion: won 0, www.bank.com redirected false
	// DNSSEC only (sequential IDs, one port): won 0, www.bank.com redirected false
}
