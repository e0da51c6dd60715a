package libp2p_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/libp2p"
)

// upper is a node that answers every message with its upper-case text.
type upper struct{ env transport.Env }

func (n *upper) Receive(c transport.Conn, m transport.Message) {
	_ = n.env.Send(c.Peer, transport.Bytes(strings.ToUpper(string(m.(transport.Bytes)))))
}

// asker is a node that sends one question at a time and hands the answer
// to whoever asked.
type asker struct {
	env     transport.Env
	pending func(string, error)
}

func (n *asker) ask(to transport.Addr, question string, reply func(string, error)) {
	n.pending = reply
	if err := n.env.Send(to, transport.Bytes(question)); err != nil {
		reply("", err)
	}
}

func (n *asker) Receive(_ transport.Conn, m transport.Message) {
	if n.pending != nil {
		n.pending(string(m.(transport.Bytes)), nil)
		n.pending = nil
	}
}

// Two libp2p hosts on loopback, each running a transport.Host: the server
// upper-cases what the client sends. The keys come from seeds, so the peer
// IDs are the same on every run.
func Example() {
	serverTr, err := libp2p.New(libp2p.Config{Key: libp2p.KeyFromSeed("server")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer serverTr.Close()
	server, err := transport.NewHost(transport.HostConfig{Stream: serverTr, Listen: "/ip4/127.0.0.1/tcp/0"},
		func(env transport.Env) transport.Handler { return &upper{env: env} })
	if err != nil {
		fmt.Println(err)
		return
	}
	defer server.Close()

	clientTr, err := libp2p.New(libp2p.Config{Key: libp2p.KeyFromSeed("client")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer clientTr.Close()
	node := &asker{}
	client, err := transport.NewHost(transport.HostConfig{Stream: clientTr},
		func(env transport.Env) transport.Handler { node.env = env; return node })
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()

	fmt.Println("server:", serverTr.ID())
	fmt.Println("its address ends in it:", strings.HasSuffix(string(server.Addr()), "/p2p/"+serverTr.ID()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	answer, err := transport.Do(ctx, client, func(reply func(string, error)) {
		node.ask(server.Addr(), "hello over libp2p", reply)
	})
	fmt.Println(answer, err)
	// Output:
	// server: 12D3KooWAo2aWWG83shnAquCKWo5tqFAWLJdcmb83kUmqgFaNLVR
	// its address ends in it: true
	// HELLO OVER LIBP2P <nil>
}

// A libp2p address is a network address followed by the peer ID, which
// comes from the host's key.
func ExampleSplitAddr() {
	id, _ := libp2p.PeerID(libp2p.KeyFromSeed("server").Public().(ed25519.PublicKey))
	addr, _ := libp2p.JoinAddr("/ip4/127.0.0.1/udp/4001/quic-v1", id)
	fmt.Println(addr)
	network, peer, err := libp2p.SplitAddr(addr)
	fmt.Println(network, peer == id, err)
	_, _, err = libp2p.SplitAddr("/ip4/127.0.0.1/tcp/4001")
	fmt.Println(errors.Is(err, transport.ErrBadAddr))
	// Output:
	// /ip4/127.0.0.1/udp/4001/quic-v1/p2p/12D3KooWAo2aWWG83shnAquCKWo5tqFAWLJdcmb83kUmqgFaNLVR
	// /ip4/127.0.0.1/udp/4001/quic-v1 true <nil>
	// true
}
