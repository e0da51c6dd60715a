package swarm_test

import (
	"fmt"

	"github.com/networkutopia/p2p/swarm"
)

// A swarm of 10 peers and one seed shares 8 MiB in the simulator; the run
// is compared with the D_p2p lower bound.
func ExampleNewSim() {
	const mib = 1 << 20
	s, err := swarm.NewSim(swarm.SimConfig{
		Seed: 1, Leechers: 10, FileSize: 8 * mib,
		PeerUpload: mib, PeerDownload: 10 * mib, SeedUpload: 10 * mib,
	})
	if err != nil {
		panic(err)
	}
	res, err := s.Run()
	if err != nil {
		panic(err)
	}
	fmt.Println("finished:", res.Finished, "of 10")
	fmt.Println("bound:", res.Bound)
	fmt.Println("within 1.5x of the bound:", res.Ratio < 1.5)
	// Output:
	// finished: 10 of 10
	// bound: 4s
	// within 1.5x of the bound: true
}
