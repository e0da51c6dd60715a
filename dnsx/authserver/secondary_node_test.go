package authserver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/transporttest"
)

// TestSecondaryHandlerRefusesStrangers: only the primary's NOTIFY, for a
// zone the secondary copies, is acknowledged (and starts a refresh);
// NOTIFYs from anyone else or for other zones, and responses from anyone
// but the primary, are refused or ignored, counted, and leave the copy
// alone; garbage does not panic. A lost primary is retried after
// MinRefresh, a bounded number of times within the window.
func TestSecondaryHandlerRefusesStrangers(t *testing.T) {
	const primary = transport.Addr("/sim/0")
	s, err := NewServer(Config{})
	require.NoError(t, err)
	newH, err := s.NewSecondaryHandler(SecondaryConfig{PrimaryAddr: primary, Zones: []string{"networkutopia.com"}, MinRefresh: time.Minute, Timeout: time.Second})
	require.NoError(t, err)
	env := transporttest.NewFakeEnv("/sim/1", 1)
	h := newH(env).(*Handler)
	env.Advance(0)
	sent := env.Sent()
	require.Len(t, sent, 1, "the first AXFR")
	require.Equal(t, primary, sent[0].To)
	env.ClearSent()

	notify := func(from transport.Addr, origin string) dnsx.Rcode {
		t.Helper()
		q := &dnsx.Msg{ID: 9, Opcode: dnsx.OpcodeNotify, Question: dnsx.Question{Name: origin, Type: dnsx.TypeSOA, Class: dnsx.ClassINET}}
		h.Receive(transport.Conn{Peer: from}, q)
		out := env.Sent()
		env.ClearSent()
		require.NotEmpty(t, out)
		m, err := dnsx.Unpack(out[len(out)-1].Msg.(transport.Bytes))
		require.NoError(t, err)
		return m.Rcode
	}
	require.Equal(t, dnsx.RcodeRefused, notify("/sim/7", "networkutopia.com."), "not the primary")
	require.Equal(t, dnsx.RcodeRefused, notify(primary, "example.org."), "not a zone it copies")
	require.Equal(t, dnsx.RcodeSuccess, notify(primary, "networkutopia.com."))
	require.EqualValues(t, 2, s.Stats().Refused)

	// A forged transfer answer from another node is ignored.
	zone := dnstest.LoadZone(t, "networkutopia.com.")
	axfr, err := dnsx.Unpack(sent[0].Msg.(transport.Bytes))
	require.NoError(t, err)
	forged := &dnsx.Msg{ID: axfr.ID, Response: true, Question: axfr.Question, Answer: append(zone.Records(), zone.SOA())}
	h.Receive(transport.Conn{Peer: "/sim/7", ID: 1}, forged)
	for _, b := range [][]byte{nil, {1, 2, 3}, make([]byte, 12), {0, 0, 0x80, 0, 0, 9, 0, 0, 0, 0, 0, 0}} {
		h.Receive(transport.Conn{Peer: primary, ID: 1}, transport.Bytes(b))
	}
	require.Nil(t, s.Zone("networkutopia.com"))

	// The primary never answers: timeouts, then a retry each MinRefresh.
	fired := env.Advance(10 * time.Minute)
	require.LessOrEqual(t, fired, 30)
	require.Positive(t, len(env.Sent()), "it keeps trying")
	require.LessOrEqual(t, env.Timers(), 2)
}
