package flood

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/networkutopia/p2p/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// An ID is new once: its copies are duplicates, and a reply finds the
// neighbour it came from ("" for the node's own).
func TestTableSuppressesDuplicatesAndRoutesBack(t *testing.T) {
	tb := NewTable(time.Minute, t0)
	_, ok := tb.Lookup(t0, FromUint64(1))
	require.False(t, ok, "empty")
	require.True(t, tb.Add(t0, FromUint64(1), "/sim/1"))
	require.False(t, tb.Add(t0, FromUint64(1), "/sim/2"), "a copy")
	require.True(t, tb.Add(t0, FromUint64(2), ""))
	for _, tt := range []struct {
		id   ID
		from transport.Addr
		ok   bool
	}{
		{FromUint64(1), "/sim/1", true},
		{FromUint64(2), "", true},
		{FromUint64(3), "", false},
	} {
		from, ok := tb.Lookup(t0.Add(time.Second), tt.id)
		require.Equal(t, tt.ok, ok, "%x", tt.id)
		require.Equal(t, tt.from, from)
	}
	require.Equal(t, 2, tb.Len())
}

// Entries live between one and two expiry periods; the table grows with
// a burst and shrinks back after it.
func TestTableExpiresAndShrinks(t *testing.T) {
	tb := NewTable(time.Minute, t0)
	for i := range 10_000 {
		require.True(t, tb.Add(t0, FromUint64(uint64(i)), "/sim/1"))
	}
	require.Equal(t, 10_000, tb.Len())
	big := len(tb.slots)
	from, ok := tb.Lookup(t0.Add(90*time.Second), FromUint64(7))
	require.False(t, ok, "older than the sweep at 1 min")
	require.Empty(t, from)
	require.Zero(t, tb.Len())
	require.True(t, tb.Add(t0.Add(91*time.Second), FromUint64(1), ""))
	_, ok = tb.Lookup(t0.Add(150*time.Second), FromUint64(1))
	require.True(t, ok, "swept at 90 s, not yet at 150 s")
	tb.Add(t0.Add(200*time.Second), FromUint64(2), "") // a sweep: shrink
	require.Less(t, len(tb.slots), big)
}
