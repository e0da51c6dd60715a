package servent_test

import (
	"fmt"

	"github.com/networkutopia/p2p/overlay/internal/servent"
)

// A servent credits the peers it downloaded from; its uploader serves
// the peers with more credit first.
func ExampleCredit() {
	var credit servent.Credit
	credit.Add("/ip4/127.0.0.1/tcp/4001", 4<<20)
	credit.Add("/ip4/127.0.0.1/tcp/4002", 1<<10)
	fmt.Println(credit.Priority("/ip4/127.0.0.1/tcp/4001") > credit.Priority("/ip4/127.0.0.1/tcp/4002"))
	fmt.Println(credit.Priority("/ip4/127.0.0.1/tcp/4003"))
	// Output:
	// true
	// 0
}
