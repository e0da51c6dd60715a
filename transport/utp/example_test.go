package utp_test

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/networkutopia/p2p/transport/utp"
)

// ExampleSocket opens two uTP sockets on loopback UDP, dials one from the
// other and sends a line; a third datagram that is not uTP (a DHT query)
// goes to the socket's Unhandled hook instead.
func ExampleSocket() {
	dht := make(chan string, 1)
	pc, _ := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	server, err := utp.NewSocket(pc, utp.Config{
		// Datagrams that are not uTP: the DHT and UDP trackers share the port.
		Unhandled: func(b []byte, from net.Addr) { dht <- string(b[:1]) },
	})
	if err != nil {
		panic(err)
	}
	defer server.Close()

	pc2, _ := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	client, _ := utp.NewSocket(pc2, utp.Config{NoAccept: true})
	defer client.Close()

	conn, err := client.Dial(context.Background(), server.Addr())
	if err != nil {
		panic(err)
	}
	_, _ = conn.Write([]byte("hello over uTP"))
	_ = conn.CloseWrite()

	in, _ := server.Accept()
	msg, _ := io.ReadAll(in)
	fmt.Println(string(msg))

	_, _ = client.WriteTo([]byte("d1:ad2:id20:...e1:q4:pinge"), pc.LocalAddr())
	fmt.Println("not uTP, starts with", <-dht)
	// Output:
	// hello over uTP
	// not uTP, starts with d
}
