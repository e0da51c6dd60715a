package mainline

import (
	"fmt"
	"strings"
	"testing"

	"github.com/networkutopia/p2p/dht/kademlia"
	"github.com/stretchr/testify/require"
)

var fuzzSeeds = []string{
	"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe",
	"d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe",
	"d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe",
	"d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe",
	"d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti0e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe",
	"d1:rd2:id20:0123456789abcdefghij5:nodes26:abcdefghij0123456789\x7f\x00\x00\x01\x1a\xe1e1:t4:\x00\x00\x00\x011:y1:re",
	"d1:rd2:id20:0123456789abcdefghij5:nodes27:abcdefghij0123456789\x7f\x00\x00\x01\x1a\xe1\x00e1:t2:aa1:y1:re",
	"d1:rd2:id20:0123456789abcdefghij6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re",
	"d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee",
	"d1:ad2:idi5ee1:q4:ping1:t2:aa1:y1:qe",
	"d1:a0:1:q4:ping1:t2:aa1:y1:qe",
	"d2:ro" + "i1e1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe",
	"li1ee", "", "d1:t0:1:y1:qe",
	"d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q3:get1:t2:aa1:y1:qe",
	"d1:ad2:id20:abcdefghij01234567895:token8:aoeusnth1:v15:12:Hello World!e1:q3:put1:t2:aa1:y1:qe",
	"d1:ad3:casi1e2:id20:abcdefghij01234567891:k32:" + strings.Repeat("k", 32) + "4:salt6:foobar3:seqi2e3:sig64:" + strings.Repeat("s", 64) + "5:token8:aoeusnth1:vi5ee1:q3:put1:t2:aa1:y1:qe",
	"d1:rd2:id20:0123456789abcdefghij1:k32:" + strings.Repeat("k", 32) + "3:seqi2e3:sig64:" + strings.Repeat("s", 64) + "5:token2:tt1:vli1ei2eee1:t2:aa1:y1:re",
}

// FuzzDecode checks that decoding never panics, that what decodes
// encodes again, and that the re-encoding decodes to the same message.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decode(b)
		if err != nil {
			return
		}
		if m.Y == 'q' && m.Q != "ping" && m.Q != "find_node" && m.Q != "get_peers" && m.Q != "announce_peer" && m.Q != "get" && m.Q != "put" {
			return // an unknown method's arguments are not re-encoded
		}
		out, err := encode(m)
		require.NoError(t, err)
		m2, err := decode(out)
		require.NoError(t, err, "%q", out)
		require.Equal(t, fmt.Sprint(m), fmt.Sprint(m2))
	})
}

// FuzzHandle feeds datagrams to a peer's handler: no panic, no reply it
// cannot encode, and it still answers a ping after each.
func FuzzHandle(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	env := newFakeEnv()
	cfg := Config{MaxRequestRate: 1 << 30}.withDefaults()
	p := newPeer(env, cfg)
	for i := range 50 { // some contacts to answer with
		p.table.Seen(kademlia.Contact{ID: kademlia.HashKey([]byte{byte(i)}), Addr: udpAddr(mustAP(fmt.Sprintf("10.0.%d.1:6881", i)))}, env.now)
	}
	ping := []byte(fuzzSeeds[0])
	f.Fuzz(func(t *testing.T, b []byte) {
		env.keep = true
		env.sent = env.sent[:0]
		receive(p, "/ip4/10.1.1.1/udp/1000", b)
		n := len(env.sent)
		receive(p, "/ip4/10.1.1.2/udp/1000", ping)
		require.Zero(t, env.failed)
		require.Greater(t, len(env.sent), n)
		last, err := decode(env.sent[n])
		require.NoError(t, err)
		require.Equal(t, byte('r'), last.Y)
	})
}
