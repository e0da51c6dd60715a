package kademlia

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

func sampleMessages() []*message {
	return []*message{
		{Kind: kindPing, Req: 1, From: ID{1}, Listen: "/ip4/127.0.0.1/tcp/4001"},
		{Kind: kindFind, Flags: flagValues, Req: 2, From: ID{2}, Listen: "/sim/2", Target: ID{9, 9}},
		{Kind: kindStore, Req: 3, From: ID{3}, Target: ID{7}, TTL: 3600, Token: []byte("12345678"), Values: [][]byte{[]byte("v")}},
		{Kind: kindReply, Req: 4, From: ID{4}, Token: []byte("abcdefgh"),
			Nodes:  []Contact{{ID: ID{5}, Addr: "/sim/5"}, {ID: ID{6}, Addr: "/ip6/::1/tcp/9"}},
			Values: [][]byte{[]byte("a"), []byte("bc")}},
		{Kind: kindReply, Flags: flagRefused, Req: 5},
	}
}

func TestCodecRoundTrip(t *testing.T) {
	for _, m := range sampleMessages() {
		b, err := marshal(m)
		require.NoError(t, err)
		require.Len(t, b, m.Size(), "Size is the encoded length")
		got, err := unmarshal(b)
		require.NoError(t, err)
		require.Equal(t, m, got)
	}
}

func TestCodecRejects(t *testing.T) {
	good, err := marshal(sampleMessages()[3])
	require.NoError(t, err)
	for name, b := range map[string][]byte{
		"empty":          {},
		"truncated":      good[:len(good)-1],
		"trailing":       append(bytes.Clone(good), 0),
		"unknown kind":   append([]byte{9}, good[1:]...),
		"unknown flags":  append([]byte{good[0], 0x80}, good[2:]...),
		"oversized addr": withUint16At(good, 1+1+8+IDLen, maxAddrLen+1),
		"huge count":     withUint16At(good, len(good)-2-(4+1)-(4+2), 0xffff), // the value count claims 65 535
	} {
		t.Run(name, func(t *testing.T) {
			_, err := unmarshal(b)
			require.ErrorIs(t, err, ErrBadMessage)
		})
	}
	_, err = marshal(&message{Kind: kindReply, Token: make([]byte, maxTokenLen+1)})
	require.ErrorIs(t, err, ErrBadMessage)
	_, err = marshal(&message{Kind: kindReply, Nodes: make([]Contact, maxNodes+1)})
	require.ErrorIs(t, err, ErrBadMessage)
}

func withUint16At(b []byte, at, v int) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint16(b[at:], uint16(v))
	return b
}

// FuzzDecode: the decoder never panics nor allocates beyond its input,
// and what it accepts encodes back to the same bytes.
func FuzzDecode(f *testing.F) {
	for _, m := range sampleMessages() {
		b, _ := marshal(m)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := unmarshal(b)
		if err != nil {
			require.ErrorIs(t, err, ErrBadMessage)
			return
		}
		out, err := marshal(m)
		require.NoError(t, err)
		require.Equal(t, b, out)
	})
}
