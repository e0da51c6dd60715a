package wire_test

import (
	"encoding/hex"
	"fmt"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
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

// quiet is a protocol node that ignores what it receives.
type quiet struct{}

func (quiet) Receive(transport.Conn, transport.Message) {}

func newPeer(transport.Env) transport.Handler { return quiet{} }

// A Host that speaks BEP 3 on loopback TCP: every connection starts with
// the handshake for this info-hash, then carries the wire's messages.
func ExampleNewCodec() {
	infoHash := metainfo.HashPiece([]byte("the torrent's info dictionary"))
	codec := wire.NewCodec(wire.CodecConfig{InfoHash: infoHash, PeerID: wire.NewPeerID()})
	host, err := transport.NewHost(transport.HostConfig{Stream: &transport.TCP{},
		Listen: "/ip4/127.0.0.1/tcp/0", Codec: codec}, newPeer)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer host.Close()
	fmt.Println(host.Addr() != "")
	// Output: true
}
