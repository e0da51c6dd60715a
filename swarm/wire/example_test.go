package wire_test

import (
	"encoding/hex"
	"fmt"

	"github.com/networkutopia/p2p/swarm/wire"
)

func Example() {
	for _, m := range []interface{ Size() int }{
		wire.Interested{},
		wire.Have{Index: 5},
		wire.Request{Index: 5, Begin: 0, Length: wire.BlockSize},
	} {
		b, _ := wire.Append(nil, m)
		fmt.Printf("%-16T %2d bytes  %s\n", m, m.Size(), hex.EncodeToString(b))
	}
	// Output:
	// wire.Interested   5 bytes  0000000102
	// wire.Have         9 bytes  000000050400000005
	// wire.Request     17 bytes  0000000d06000000050000000000004000
}
