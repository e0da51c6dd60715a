package mainline

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dht/kademlia"
	"github.com/networkutopia/p2p/swarm/bencode"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// rawClient speaks KRPC by hand to one node.
type rawClient struct {
	t  *testing.T
	pc *net.UDPConn
	to *net.UDPAddr
}

func newRawClient(t *testing.T, nd *Node) *rawClient {
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	return &rawClient{t: t, pc: pc, to: net.UDPAddrFromAddrPort(nd.AddrPort())}
}

func (c *rawClient) send(v any) {
	b, err := bencode.Marshal(v)
	require.NoError(c.t, err)
	c.sendRaw(b)
}

func (c *rawClient) sendRaw(b []byte) {
	_, err := c.pc.WriteToUDP(b, c.to)
	require.NoError(c.t, err)
}

// recv returns the next reply, or nil after wait. Queries of the node
// (it pings the client to check it) are skipped.
func (c *rawClient) recv(wait time.Duration) map[string]any {
	buf := make([]byte, 64<<10)
	require.NoError(c.t, c.pc.SetReadDeadline(time.Now().Add(wait)))
	for {
		n, _, err := c.pc.ReadFromUDP(buf)
		if err != nil {
			return nil
		}
		v, err := bencode.Unmarshal(buf[:n])
		require.NoError(c.t, err)
		if m := v.(map[string]any); m["y"] != "q" {
			return m
		}
	}
}

// errorCode returns the code of an error reply, 0 for another reply, -1
// for none.
func errorCode(r map[string]any) int {
	if r == nil {
		return -1
	}
	if r["y"] == "e" {
		return int(r["e"].([]any)[0].(int64))
	}
	return 0
}

var clientID = string(make([]byte, 20))

func query(q string, a map[string]any) map[string]any {
	if _, ok := a["id"]; !ok {
		a["id"] = clientID
	}
	return map[string]any{"t": "aa", "y": "q", "q": q, "a": a}
}

func TestWrongTypeForEveryKey(t *testing.T) {
	nd := newNodes(t, 1, loopback())[0]
	c := newRawClient(t, nd)
	ih := string(make([]byte, 20))
	good := func() map[string]any {
		return query("announce_peer", map[string]any{"info_hash": ih, "port": 1, "token": "x", "implied_port": 0, "want": []any{"n4"}})
	}
	wrong := []any{int64(7), "s", []any{"l"}, map[string]any{"d": int64(1)}}
	for _, key := range []string{"t", "y", "q", "a", "a.id", "a.info_hash", "a.port", "a.token", "a.implied_port", "a.want"} {
		for _, w := range wrong {
			m := good()
			a := m["a"].(map[string]any)
			var cur any
			if len(key) > 2 && key[:2] == "a." {
				cur = a[key[2:]]
			} else {
				cur = m[key]
			}
			if kind(cur) == kind(w) {
				continue
			}
			if len(key) > 2 && key[:2] == "a." {
				a[key[2:]] = w
			} else {
				m[key] = w
			}
			c.send(m)
			wait := time.Second // an answer comes at once
			if key == "t" || key == "y" {
				wait = 100 * time.Millisecond // a drop: no answer to wait for
			}
			code := errorCode(c.recv(wait))
			switch key {
			case "t", "y":
				require.Equal(t, -1, code, "%s as %s: want a drop", key, kind(w))
			default:
				require.Equal(t, errProtocol, code, "%s as %s: want error 203", key, kind(w))
			}
		}
	}
	// The node still serves.
	c.send(query("ping", map[string]any{}))
	require.Equal(t, 0, errorCode(c.recv(time.Second)))
	st, err := nd.Stats(context.Background())
	require.NoError(t, err)
	require.Positive(t, st.Malformed)
}

func TestAnnounceRefusals(t *testing.T) {
	nd := newNodes(t, 1, loopback())[0]
	c := newRawClient(t, nd)
	ih := string(func() []byte { h := kademlia.HashKey([]byte("t")); return h[:] }())
	// A token never issued.
	c.send(query("announce_peer", map[string]any{"info_hash": ih, "port": 1, "token": "forged"}))
	require.Equal(t, errProtocol, errorCode(c.recv(time.Second)))
	// A good token, port 0.
	c.send(query("get_peers", map[string]any{"info_hash": ih}))
	r := c.recv(time.Second)
	require.NotNil(t, r)
	tok := r["r"].(map[string]any)["token"].(string)
	c.send(query("announce_peer", map[string]any{"info_hash": ih, "port": 0, "token": tok}))
	require.Equal(t, errProtocol, errorCode(c.recv(time.Second)))
	// The same token with a port, then implied_port.
	c.send(query("announce_peer", map[string]any{"info_hash": ih, "port": 7000, "token": tok}))
	require.Equal(t, 0, errorCode(c.recv(time.Second)))
	c.send(query("announce_peer", map[string]any{"info_hash": ih, "port": 0, "implied_port": 1, "token": tok}))
	require.Equal(t, 0, errorCode(c.recv(time.Second)))
	// Unknown method.
	c.send(query("vote", map[string]any{}))
	require.Equal(t, errMethod, errorCode(c.recv(time.Second)))

	st, err := nd.Stats(context.Background())
	require.NoError(t, err)
	require.Equal(t, uint64(1), st.TokensRefused)
	require.Equal(t, uint64(1), st.PortsRefused)
	require.Equal(t, uint64(2), st.Announces)
	require.Equal(t, 2, st.StoredPeers)
	// A token is bound to the IP it was given to: from another IP it fails.
	require.False(t, nd.peer.tokens.Valid("127.0.0.2", []byte(tok)))
}

func TestFloodFromOneIP(t *testing.T) {
	cfg := loopback()
	cfg.MaxRequestRate = 20
	nd := newNodes(t, 1, cfg)[0]
	c := newRawClient(t, nd)
	for range 500 {
		c.send(query("find_node", map[string]any{"target": clientID}))
	}
	answered := 0
	for c.recv(100*time.Millisecond) != nil {
		answered++
	}
	require.LessOrEqual(t, answered, 2*cfg.MaxRequestRate) // two one-second windows at most
	st, err := nd.Stats(context.Background())
	require.NoError(t, err)
	require.GreaterOrEqual(t, st.RequestsDropped, uint64(100)) // the kernel may drop some of the flood first
	// An honest node at another IP is still served.
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	require.NoError(t, err)
	honest := &rawClient{t: t, pc: pc, to: c.to}
	defer pc.Close()
	honest.send(query("ping", map[string]any{}))
	require.Equal(t, 0, errorCode(honest.recv(time.Second)))
}

func TestBadResponsesFailTheQuery(t *testing.T) {
	nd := newNodes(t, 1, loopback())[0]
	fake, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer fake.Close()
	fakeID := string(func() []byte { h := kademlia.HashKey([]byte("fake")); return h[:] }())
	answers := []map[string]any{
		{"y": "r", "r": map[string]any{"id": fakeID, "nodes": string(make([]byte, 27))}}, // not a multiple of 26
		{"y": "r", "r": map[string]any{"id": int64(3)}},
		{"y": "r", "r": map[string]any{"id": fakeID, "values": []any{"12345"}}},
		{"y": "r", "r": map[string]any{"id": fakeID, "values": "not a list"}},
		{"y": "e", "e": []any{int64(201), "no"}},
	}
	for _, a := range answers {
		go func() {
			buf := make([]byte, 2048)
			_ = fake.SetReadDeadline(time.Now().Add(2 * time.Second))
			n, from, err := fake.ReadFromUDP(buf)
			if err != nil {
				return
			}
			v, err := bencode.Unmarshal(buf[:n])
			if err != nil {
				return
			}
			a["t"] = v.(map[string]any)["t"]
			b, _ := bencode.Marshal(a)
			_, _ = fake.WriteToUDP(b, from)
		}()
		_, err := nd.Ping(context.Background(), udpAddr(fake.LocalAddr().(*net.UDPAddr).AddrPort()))
		require.Error(t, err)
	}
	st, err := nd.Stats(context.Background())
	require.NoError(t, err)
	require.Equal(t, uint64(4), st.Malformed)
	require.Equal(t, uint64(1), st.RemoteErrors)
	require.Zero(t, st.Contacts)
}

func TestMillionValuesRefused(t *testing.T) {
	b := []byte("d1:rd2:id20:" + string(make([]byte, 20)) + "6:valuesl")
	b = append(b, bytes.Repeat([]byte("6:abcdef"), 1_000_000)...)
	b = append(b, "ee1:t2:aa1:y1:re"...)
	_, err := decode(b)
	require.ErrorIs(t, err, ErrMalformed)
	// And one datagram's worth decodes, bounded.
	b = []byte("d1:rd2:id20:" + string(make([]byte, 20)) + "6:valuesl")
	b = append(b, bytes.Repeat([]byte("6:abcdef"), 8000)...)
	b = append(b, "ee1:t2:aa1:y1:re"...)
	m, err := decode(b)
	require.NoError(t, err)
	require.Len(t, m.Values, 8000)
}

func TestPeerStoreBounds(t *testing.T) {
	now := time.Unix(0, 0)
	s := newPeerStore(Config{MaxPeersPerInfoHash: 3, MaxStoredPeers: 5, MaxPeersPerSender: 4, PeerTTL: time.Minute}.withDefaults())
	ap := func(ip string, port uint16) netip.AddrPort { return netip.AddrPortFrom(netip.MustParseAddr(ip), port) }
	h1, h2 := kademlia.ID{1}, kademlia.ID{2}
	require.Equal(t, stored, s.add(h1, ap("10.0.0.1", 1), now))
	require.Equal(t, stored, s.add(h1, ap("10.0.0.1", 1), now)) // a refresh
	require.Equal(t, stored, s.add(h1, ap("10.0.0.1", 2), now))
	require.Equal(t, stored, s.add(h1, ap("10.0.0.2", 1), now))
	require.Equal(t, refusedInfoHash, s.add(h1, ap("10.0.0.3", 1), now))
	require.Equal(t, stored, s.add(h2, ap("10.0.0.1", 3), now))
	require.Equal(t, stored, s.add(h2, ap("10.0.0.1", 4), now))
	require.Equal(t, refusedTotal, s.add(h2, ap("10.0.0.5", 1), now))
	s.expire(now.Add(2 * time.Minute))
	require.Zero(t, s.total)
	require.Empty(t, s.bySender)
	for i := range 4 {
		require.Equal(t, stored, s.add(kademlia.ID{byte(i)}, ap("10.0.0.9", 1), now))
	}
	require.Equal(t, refusedSender, s.add(kademlia.ID{9}, ap("10.0.0.9", 1), now))
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{{K: -1}, {K: 100}, {Alpha: 9}, {PeerTTL: -1}, {MaxValuesPerReply: 5000}} {
		require.ErrorIs(t, c.Validate(), ErrBadConfig)
	}
	require.NoError(t, Config{}.Validate())
	require.ErrorIs(t, NodeConfig{Listen: DefaultListen, Conn: &net.UDPConn{}}.Validate(), ErrBadConfig)
}

// TestTokensRotate: a token is good for the IP it was given to, through
// the next rotation (5 min), and no longer after the one after.
func TestTokensRotate(t *testing.T) {
	env := newFakeEnv()
	env.keep = true
	p := newPeer(env, Config{}.withDefaults())
	from := "/ip4/10.0.0.7/udp/6881"
	ih := string(make([]byte, 20))
	receive(p, transport.Addr(from), mustEncode(t, query("get_peers", map[string]any{"info_hash": ih})))
	r, err := decode(env.sent[0])
	require.NoError(t, err)
	announce := func() byte {
		env.sent = env.sent[:0]
		receive(p, transport.Addr(from), mustEncode(t, query("announce_peer", map[string]any{"info_hash": ih, "port": 1, "token": r.Token})))
		m, err := decode(env.sent[0])
		require.NoError(t, err)
		return m.Y
	}
	require.Equal(t, byte('r'), announce())
	env.fire(DefaultTokenRotation)
	require.Equal(t, byte('r'), announce(), "one rotation later")
	env.fire(DefaultTokenRotation)
	require.Equal(t, byte('e'), announce(), "two rotations later")
	require.Equal(t, uint64(1), p.Stats().TokensRefused)
}

func mustEncode(t *testing.T, v any) []byte {
	b, err := bencode.Marshal(v)
	require.NoError(t, err)
	return b
}
