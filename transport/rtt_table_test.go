package transport

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRTTTableKeepsTheMostRecentlyMeasured(t *testing.T) {
	tests := []struct {
		name    string
		samples []Addr
		max     int
		want    []Addr // kept, most recent first
	}{
		{"under the bound", []Addr{"a", "b"}, 3, []Addr{"b", "a"}},
		{"oldest forgotten", []Addr{"a", "b", "c", "d"}, 3, []Addr{"d", "c", "b"}},
		{"measuring again refreshes", []Addr{"a", "b", "c", "a", "d"}, 3, []Addr{"d", "a", "c"}},
		{"bound of one", []Addr{"a", "b", "b", "c"}, 1, []Addr{"c"}},
		{"the tail measured again", []Addr{"a", "b", "a", "b", "a"}, 2, []Addr{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := newRTTTable()
			for _, p := range tt.samples {
				tab.sample(p, 100*time.Millisecond, tt.max)
			}
			var got []Addr
			for i := tab.head; i >= 0; i = tab.entries[i].next {
				got = append(got, tab.entries[i].peer)
			}
			require.Equal(t, tt.want, got)
			require.Len(t, tab.entries, len(tt.want))
			for _, p := range tt.want {
				require.NotNil(t, tab.get(p))
			}
			var back []Addr
			for i := tab.tail; i >= 0; i = tab.entries[i].prev {
				back = append([]Addr{tab.entries[i].peer}, back...)
			}
			require.Equal(t, tt.want, back, "the backward links agree")
		})
	}
}

func TestRTTTableSmoothsAsRFC6298(t *testing.T) {
	tab := newRTTTable()
	tab.sample("a", 100*time.Millisecond, 4)
	e := tab.get("a")
	require.Equal(t, 100*time.Millisecond, e.srtt)
	require.Equal(t, 50*time.Millisecond, e.rttvar)
	tab.sample("a", 200*time.Millisecond, 4)
	e = tab.get("a")
	require.Equal(t, 112500*time.Microsecond, e.srtt)  // 7/8·100 + 1/8·200
	require.Equal(t, 62500*time.Microsecond, e.rttvar) // 3/4·50 + 1/4·100
	require.Nil(t, tab.get("b"))
}

// Beyond rttScanMax entries the table builds its index; it keeps the same
// peers as a scanned one would, and the index names exactly the entries.
func TestRTTTableIndexedAgreesWithScanned(t *testing.T) {
	tab := newRTTTable()
	const max = 3 * rttScanMax
	var order []Addr // most recent first, as the table should keep them
	for i := range 10 * max {
		p := Addr(fmt.Sprintf("p%d", (i*7)%(2*max)))
		tab.sample(p, time.Duration(i)*time.Millisecond, max)
		order = append([]Addr{p}, slices.DeleteFunc(order, func(a Addr) bool { return a == p })...)
		order = order[:min(len(order), max)]
		if i == rttScanMax-1 { // 32 distinct peers so far
			require.Nil(t, tab.index, "a small table has no index")
		}
	}
	require.Len(t, tab.index, max)
	var got []Addr
	for i := tab.head; i >= 0; i = tab.entries[i].next {
		got = append(got, tab.entries[i].peer)
		j, ok := tab.index[tab.entries[i].peer]
		require.True(t, ok)
		require.Equal(t, i, j)
	}
	require.Equal(t, order, got)
}
