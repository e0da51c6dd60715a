package dnsx

import (
	"bufio"
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/networkutopia/p2p/transport"
)

// seedQueries returns valid queries and responses as fuzzing seeds.
func seedQueries(f *testing.F) [][]byte {
	var out [][]byte
	for _, q := range []*Msg{
		NewQuery(1, "www.networkutopia.com", TypeA),
		{ID: 2, Question: Question{Name: "networkutopia.com.", Type: TypeMX, Class: ClassINET}},
		{ID: 3, Question: Question{Name: "networkutopia.com.", Type: TypeAXFR, Class: ClassINET}},
		{ID: 6, Question: Question{Name: "networkutopia.com.", Type: TypeIXFR, Class: ClassINET},
			Authority: []RR{MustRR("networkutopia.com", "dns1.networkutopia.com hostmaster.networkutopia.com 1 2 3 4 5", TypeSOA, 0)}},
		{ID: 4, Opcode: OpcodeNotify, Question: Question{Name: "networkutopia.com.", Type: TypeSOA, Class: ClassINET}},
		{ID: 5, Response: true, Authoritative: true, Question: Question{Name: "www.networkutopia.com.", Type: TypeA, Class: ClassINET},
			Answer: []RR{MustRR("www.networkutopia.com", "212.212.71.4", TypeA, 3600)}, Authority: []RR{MustRR("networkutopia.com", "dns1.networkutopia.com", TypeNS, 3600)},
			Additional: []RR{MustRR("dns1.networkutopia.com", "212.212.212.1", TypeA, 3600)}},
	} {
		b, err := q.Pack()
		require.NoError(f, err)
		out = append(out, b)
	}
	return out
}

// FuzzUnpack: any input either fails with an error or unpacks into a
// message that packs again.
func FuzzUnpack(f *testing.F) {
	for _, b := range seedQueries(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Unpack(b)
		if err != nil {
			return
		}
		if _, err := m.Pack(); err != nil {
			// Records that unpack but cannot be written back (odd
			// names) must at least fail cleanly.
			return
		}
	})
}

// FuzzServerRespond feeds the authoritative server's hot path: it never
// panics, a response always echoes the query's ID and has QR set, and a
// UDP response never exceeds what the client can take.
func FuzzServerRespond(f *testing.F) {
	for _, b := range seedQueries(f) {
		f.Add(b, false)
		f.Add(b, true)
	}
	s, err := NewServer(ServerConfig{Zones: []*Zone{loadTestZone(f, "com."), loadTestZone(f, "networkutopia.com.")}, RRL: RRLConfig{ResponsesPerSecond: 1000}})
	require.NoError(f, err)
	client := netip.MustParseAddrPort("127.0.0.1:5353")
	f.Fuzz(func(t *testing.T, b []byte, tcp bool) {
		resp := s.Respond(b, client, tcp, nil)
		if resp == nil {
			return
		}
		require.GreaterOrEqual(t, len(resp), wire.HeaderLen)
		require.Equal(t, b[:2], resp[:2])
		require.NotZero(t, resp[2]&0x80)
		if !tcp {
			require.LessOrEqual(t, len(resp), DefaultUDPSize)
		}
		if _, err := Unpack(b); err == nil {
			_, err := Unpack(resp)
			require.NoError(t, err, "the responses to queries that parse parse too")
		}
	})
}

// FuzzStreamCodec: the TCP framing rejects or returns what was framed.
func FuzzStreamCodec(f *testing.F) {
	f.Add([]byte{0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add([]byte{0xff, 0xff, 1})
	f.Add([]byte{0, 3, 1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := StreamCodec{}.Decode(bufio.NewReader(bytes.NewReader(b)))
		if err != nil {
			return
		}
		raw, err := PacketCodec{}.MarshalPacket(m)
		require.NoError(t, err)
		require.Equal(t, b[2:2+len(raw)], raw)
	})
}

// FuzzResolverReceive throws arbitrary datagrams at a resolver node that
// has queries in flight and clients: nothing panics.
func FuzzResolverReceive(f *testing.F) {
	for _, b := range seedQueries(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, env := newTestResolverNode(t, ResolverConfig{AllowClient: func(transport.Addr) bool { return true }})
		n.Resolve("www.networkutopia.com", TypeA, func(Answer, error) {})
		sent := env.Sent()
		last := sent[len(sent)-1]
		for _, peer := range []transport.Addr{last.To, "/ip4/10.0.0.1/udp/5353"} {
			n.Receive(transport.Conn{Peer: peer, Local: last.From}, transport.Bytes(b))
		}
		for range 10 { // every retry and timeout, a bounded number of rounds
			env.Advance(time.Minute)
		}
		require.Zero(t, env.Timers(), "every query ended")
	})
}
