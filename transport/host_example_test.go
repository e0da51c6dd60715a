package transport_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/networkutopia/p2p/transport"
)

// upper answers each message with its upper-cased copy.
type upper struct{ env transport.Env }

func (u *upper) Receive(c transport.Conn, m transport.Message) {
	_ = u.env.Send(c.Peer, transport.Bytes(strings.ToUpper(string(m.(transport.Bytes)))))
}

// asker sends one question and hands the answer to the function waiting
// for it.
type asker struct {
	env   transport.Env
	reply func(string, error)
}

func (a *asker) Receive(_ transport.Conn, m transport.Message) {
	if a.reply != nil {
		a.reply(string(m.(transport.Bytes)), nil)
		a.reply = nil
	}
}

// Two Hosts on loopback TCP: one runs the upper-case protocol, the other
// asks it a question. Do runs a function on the asking node's loop and
// waits for the answer it hands back.
func ExampleHost() {
	server, err := transport.NewHost(transport.HostConfig{
		Stream: &transport.TCP{},
		Listen: "/ip4/127.0.0.1/tcp/0",
	}, func(env transport.Env) transport.Handler { return &upper{env: env} })
	if err != nil {
		fmt.Println(err)
		return
	}
	defer server.Close()

	var client *asker
	clientHost, err := transport.NewHost(transport.HostConfig{Stream: &transport.TCP{}},
		func(env transport.Env) transport.Handler { client = &asker{env: env}; return client })
	if err != nil {
		fmt.Println(err)
		return
	}
	defer clientHost.Close()

	answer, err := transport.Do(context.Background(), clientHost, func(reply func(string, error)) {
		client.reply = reply
		if err := client.env.Send(server.Addr(), transport.Bytes("hello, host")); err != nil {
			reply("", err)
		}
	})
	fmt.Println(answer, err)
	// Output:
	// HELLO, HOST <nil>
}
