package transport

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rpc is the message of the Calls-over-Host test: a request or its reply.
type rpc struct {
	ID    uint64
	Reply bool
	Body  string
}

func (m rpc) Size() int { return 9 + len(m.Body) }

var rpcCodec = &FrameCodec{
	Marshal: func(m Message) ([]byte, error) {
		r := m.(rpc)
		b := binary.BigEndian.AppendUint64(nil, r.ID)
		if r.Reply {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		return append(b, r.Body...), nil
	},
	Unmarshal: func(b []byte) (Message, error) {
		if len(b) < 9 {
			return nil, errors.New("rpc: short message")
		}
		return rpc{ID: binary.BigEndian.Uint64(b), Reply: b[8] == 1, Body: string(b[9:])}, nil
	},
}

// upperServer answers each request with its body in upper case, unless
// mute.
type upperServer struct {
	env  Env
	mute bool
}

func (s *upperServer) Receive(c Conn, m Message) {
	if r, ok := m.(rpc); ok && !r.Reply && !s.mute {
		_ = s.env.Send(c.Peer, rpc{ID: r.ID, Reply: true, Body: strings.ToUpper(r.Body)})
	}
}

// upperClient is a node that calls upperServer through Calls.
type upperClient struct {
	env   Env
	calls *Calls
}

func (c *upperClient) Receive(conn Conn, m Message) {
	if r, ok := m.(rpc); ok && r.Reply {
		c.calls.Reply(r.ID, conn.Peer, r)
	}
}

func (c *upperClient) Unreachable(peer Addr, err error) { c.calls.PeerUnreachable(peer, err) }

// Upper is the blocking user API: a few lines on top of Do and Calls.
func (c *upperClient) Upper(ctx context.Context, h *Host, server Addr, s string) (string, error) {
	return Do(ctx, h, func(reply func(string, error)) {
		c.calls.Call(server, func(id uint64) Message { return rpc{ID: id, Body: s} },
			func(m Message, err error) {
				if err != nil {
					reply("", err)
					return
				}
				reply(m.(rpc).Body, nil)
			})
	})
}

func TestCallsOverHosts(t *testing.T) {
	w := loopbackWorld()
	codec := func(c *HostConfig) { c.Codec = rpcCodec.New }
	srv := &upperServer{}
	server := newTestHost(t, w, codec, func(env Env) Handler { srv.env = env; return srv })
	mute := &upperServer{mute: true}
	muteHost := newTestHost(t, w, codec, func(env Env) Handler { mute.env = env; return mute })
	cli := &upperClient{}
	client := newTestHost(t, w, codec, func(env Env) Handler {
		cli.env = env
		var err error
		cli.calls, err = NewCalls(env, CallsConfig{Timeout: 50 * time.Millisecond, MinTimeout: 10 * time.Millisecond, Retries: 1})
		require.NoError(t, err)
		return cli
	})
	ctx := context.Background()

	got, err := cli.Upper(ctx, client, server.Addr(), "hello")
	require.NoError(t, err)
	require.Equal(t, "HELLO", got)
	_, measured := cli.calls.RTT(server.Addr())
	require.True(t, measured)

	_, err = cli.Upper(ctx, client, deadAddr(t), "anyone?")
	require.ErrorIs(t, err, ErrUnreachable, "a failed dial fails the call at once")

	start := time.Now()
	_, err = cli.Upper(ctx, client, muteHost.Addr(), "hello?")
	require.ErrorIs(t, err, ErrTimeout)
	require.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond, "two attempts: 50 ms, then 100 ms")
}
