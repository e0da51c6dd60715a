package dnsx

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMsgPackUnpackRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		msg  *Msg
	}{
		{"query with EDNS", NewQuery(1, "www.networkutopia.com", TypeA)},
		{"query without EDNS", &Msg{ID: 2, RecursionDesired: true, Question: Question{Name: "networkutopia.com.", Type: TypeMX, Class: ClassINET}}},
		{"small EDNS buffer", &Msg{ID: 3, Question: Question{Name: "a.", Type: TypeA, Class: ClassINET}, UDPSize: 512}},
		{"0x20 question keeps its case", &Msg{ID: 4, Question: Question{Name: "WwW.NetworkUtopia.CoM.", Type: TypeAAAA, Class: ClassINET}}},
		{"unknown type asked", &Msg{ID: 5, Question: Question{Name: "x.", Type: Type(65280), Class: ClassINET}}},
		{"referral", &Msg{ID: 6, Response: true, Question: Question{Name: "www.networkutopia.com.", Type: TypeA, Class: ClassINET},
			Authority:  []RR{MustRR("networkutopia.com", "dns1.networkutopia.com", TypeNS, 172800)},
			Additional: []RR{MustRR("dns1.networkutopia.com", "212.212.212.1", TypeA, 172800)}}},
		{"every modelled type", &Msg{ID: 7, Response: true, Authoritative: true, Rcode: RcodeSuccess, Question: Question{Name: "n.", Type: TypeANY, Class: ClassINET},
			Answer: []RR{
				MustRR("n", "192.0.2.1", TypeA, 1), MustRR("n", "2001:db8::1", TypeAAAA, 2), MustRR("n", "ns.n", TypeNS, 3),
				MustRR("c.n", "n", TypeCNAME, 4), MustRR("n", "10 mx.n", TypeMX, 5), MustRR("n", "ns.n admin.n 1 2 3 4 5", TypeSOA, 6),
				MustRR("n", `"hello world" "x"`, TypeTXT, 7), MustRR("1.2.0.192.in-addr.arpa", "n", TypePTR, 8), MustRR("_s._udp.n", "1 2 53 n", TypeSRV, 9),
			}}},
		{"NXDOMAIN", &Msg{ID: 8, Response: true, Rcode: RcodeNXDomain, Question: Question{Name: "nope.", Type: TypeA, Class: ClassINET}}},
		{"client cookie", &Msg{ID: 10, Question: Question{Name: "n.", Type: TypeA, Class: ClassINET}, UDPSize: 1232, Cookie: []byte{1, 2, 3, 4, 5, 6, 7, 8}}},
		{"BADCOOKIE with a server cookie", &Msg{ID: 11, Response: true, Rcode: RcodeBadCookie, Question: Question{Name: "n.", Type: TypeA, Class: ClassINET}, UDPSize: 1232,
			Cookie: []byte{1, 2, 3, 4, 5, 6, 7, 8, 1, 0, 0, 0, 9, 9, 9, 9, 10, 11, 12, 13, 14, 15, 16, 17}}},
		{"NOTIFY", &Msg{ID: 9, Opcode: OpcodeNotify, Authoritative: true, Question: Question{Name: "n.", Type: TypeSOA, Class: ClassINET}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.msg.Pack()
			require.NoError(t, err)
			got, err := Unpack(b)
			require.NoError(t, err)
			require.Equal(t, tt.msg, got)
			require.Equal(t, len(b), tt.msg.Size())
		})
	}
}

func TestUnpackRejects(t *testing.T) {
	good, err := NewQuery(1, "www.networkutopia.com", TypeA).Pack()
	require.NoError(t, err)
	twoQ := append([]byte(nil), good...)
	twoQ[5] = 2
	for name, b := range map[string][]byte{
		"empty":         nil,
		"short header":  good[:11],
		"cut question":  good[:20],
		"two questions": twoQ,
		"trailing data": append(append([]byte(nil), good...), 0),
	} {
		_, err := Unpack(b)
		require.ErrorIs(t, err, ErrFormat, name)
	}
}

func TestMsgString(t *testing.T) {
	m := &Msg{ID: 6, Response: true, Authoritative: true, Question: Question{Name: "www.networkutopia.com.", Type: TypeA, Class: ClassINET},
		Answer: []RR{MustRR("www.networkutopia.com", "212.212.71.4", TypeA, 3600)}}
	require.Equal(t, ";; QUERY NOERROR id 6 qr aa\n;www.networkutopia.com. IN A\n;; ANSWER\nwww.networkutopia.com.\t3600\tIN\tA\t212.212.71.4", m.String())
}
