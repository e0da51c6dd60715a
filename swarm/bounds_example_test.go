package swarm_test

import (
	"fmt"

	"github.com/networkutopia/p2p/swarm"
)

// The textbook's figure: every peer uploads at u, F/u = 1 hour, the server
// uploads at u_s = 10u and nobody downloads slower than u_s. Client-server
// grows linearly to 3.5 hours at N = 35; P2P levels off under an hour.
func ExampleP2PTime() {
	const u = 1.0
	const f = 3600 * u // F/u = 1 hour
	const us = 10 * u
	for _, n := range []int{1, 5, 10, 20, 30, 35} {
		cs := swarm.ClientServerTime(f, us, us, n)
		p2p := swarm.P2PTime(f, us, us, swarm.UniformUploads(n, u))
		fmt.Printf("N=%2d  client-server %.2f h  P2P %.2f h\n", n, cs.Hours(), p2p.Hours())
	}
	// Output:
	// N= 1  client-server 0.10 h  P2P 0.10 h
	// N= 5  client-server 0.50 h  P2P 0.33 h
	// N=10  client-server 1.00 h  P2P 0.50 h
	// N=20  client-server 2.00 h  P2P 0.67 h
	// N=30  client-server 3.00 h  P2P 0.75 h
	// N=35  client-server 3.50 h  P2P 0.78 h
}
