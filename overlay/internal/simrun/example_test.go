package simrun_test

import (
	"fmt"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/simrun"
	"github.com/networkutopia/p2p/transport"
)

// A query succeeds when someone other than the querier holds the file.
func ExampleHolders() {
	found := simrun.Holders{Self: "/sim/0"}
	found.Add(overlay.Result{Holders: []transport.Addr{"/sim/0", "/sim/7"}})
	found.Add(overlay.Result{Holders: []transport.Addr{"/sim/7", "/sim/9"}})
	fmt.Println(found.Len())
	// Output: 2
}
