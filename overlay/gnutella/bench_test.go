package gnutella

import (
	"testing"
	"time"
)

// recordedMix is a stream of messages in the proportions a servent sees:
// mostly Queries, then QueryHits, Pings and Pongs.
func recordedMix() ([]byte, int) {
	var raw []byte
	n := 0
	add := func(m *Message, times int) {
		for range times {
			raw = AppendMessage(raw, m)
			n++
		}
	}
	add(NewMessage(testGUID, 7, &Query{Criteria: "free software song"}), 50)
	add(NewMessage(testGUID, 7, &Query{Criteria: "linux iso", Ext: []byte("urn:sha1:")}), 20)
	add(sampleMessages()[3], 10)
	add(NewMessage(testGUID, 1, &Ping{}), 10)
	add(sampleMessages()[1], 10)
	return raw, n
}

// BenchmarkGnutellaDecode decodes a recorded mix of Ping, Pong, Query and
// QueryHit messages (header and payload) and reports messages per second.
// The header parse itself does not allocate (TestParseHeaderDoesNotAllocate).
func BenchmarkGnutellaDecode(b *testing.B) {
	raw, n := recordedMix()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	start := time.Now()
	msgs := 0
	for b.Loop() {
		rest := raw
		for len(rest) > 0 {
			h, err := ParseHeader(rest)
			if err != nil {
				b.Fatal(err)
			}
			end := HeaderLen + int(h.Length)
			if _, err := ParsePayload(h.Type, rest[HeaderLen:end]); err != nil {
				b.Fatal(err)
			}
			rest = rest[end:]
			msgs++
		}
	}
	if msgs != n*b.N {
		b.Fatalf("decoded %d messages, want %d", msgs, n*b.N)
	}
	b.ReportMetric(float64(msgs)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkParseHeader is the header alone: zero allocations.
func BenchmarkParseHeader(b *testing.B) {
	raw := AppendHeader(nil, Header{ID: testGUID, Type: TypeQuery, TTL: 7, Length: 30})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHeader(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParseHeaderDoesNotAllocate(t *testing.T) {
	raw := AppendHeader(nil, Header{ID: testGUID, Type: TypeQuery, TTL: 7, Length: 30})
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseHeader(raw); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("ParseHeader allocates %v times", allocs)
	}
}
