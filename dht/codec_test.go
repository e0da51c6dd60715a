package dht

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

func sampleMessage() *message {
	s, _ := NewSpace(160)
	n := func(name string) NodeInfo { return NodeInfo{ID: s.Hash([]byte(name)), Addr: "/ip4/127.0.0.1/tcp/4001"} }
	return &message{
		Kind: kindRouteDone, Flags: flagOwner, Req: 7, Lookup: 99, Target: s.Hash([]byte("k")), Hops: 3,
		From: n("a"), Node: n("b"), Claimant: n("c"),
		Nodes: []NodeInfo{n("d"), n("e")}, Extra: []NodeInfo{n("f")},
		Items: []Item{{Key: s.Hash([]byte("k")), Name: []byte("k"), Value: []byte("v"), Version: 5}, {Key: s.Hash([]byte("x")), Name: []byte("x"), Version: 6, Deleted: true}},
	}
}

func TestCodecRoundTrip(t *testing.T) {
	m := sampleMessage()
	b, err := marshal(m)
	require.NoError(t, err)
	require.Len(t, b, m.Size(), "Size is the encoded length")
	got, err := unmarshal(b)
	require.NoError(t, err)
	g := got.(*message)
	require.Equal(t, m.Kind, g.Kind)
	require.Equal(t, m.Nodes, g.Nodes)
	require.Equal(t, m.Claimant, g.Claimant)
	require.Equal(t, m.Items[0].Value, g.Items[0].Value)
	require.True(t, g.Items[1].Deleted)
	require.Empty(t, g.Items[1].Value)

	// Through the Host's frame codec.
	var buf bytes.Buffer
	c := NewCodec()()
	w := bufio.NewWriter(&buf)
	require.NoError(t, c.Encode(w, m))
	require.NoError(t, w.Flush())
	back, err := c.Decode(bufio.NewReader(&buf))
	require.NoError(t, err)
	require.Equal(t, m.Target, back.(*message).Target)
}

func TestCodecRejectsBadInput(t *testing.T) {
	good, err := marshal(sampleMessage())
	require.NoError(t, err)
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"truncated", good[:len(good)-1]},
		{"trailing", append(append([]byte(nil), good...), 0)},
		{"unknown kind", append([]byte{200}, good[1:]...)},
		{"unknown flag", append([]byte{good[0], 0x80}, good[2:]...)},
		{"huge list", func() []byte {
			b := append([]byte(nil), good[:2+8+8+IDLen+2]...)
			for range 3 {
				b = append(b, make([]byte, IDLen)...)
				b = append(b, 0, 0)
			}
			return append(b, 0xff, 0xff) // 65535 successors, no bytes
		}()},
	} {
		_, err := unmarshal(tt.b)
		require.ErrorIs(t, err, ErrBadMessage, tt.name)
	}
	_, err = marshal(&message{Kind: kindPing, From: NodeInfo{Addr: transport.Addr("/" + string(make([]byte, maxAddrLen)))}})
	require.ErrorIs(t, err, ErrBadMessage, "oversized address")
}

func FuzzUnmarshal(f *testing.F) {
	good, _ := marshal(sampleMessage())
	f.Add(good)
	ping, _ := marshal(&message{Kind: kindPing, Req: 1})
	f.Add(ping)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := unmarshal(b)
		if err != nil {
			require.ErrorIs(t, err, ErrBadMessage)
			return
		}
		// What decodes re-encodes to the same bytes.
		again, err := marshal(m)
		require.NoError(t, err)
		require.Equal(t, b, again)
	})
}
