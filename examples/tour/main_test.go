package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestTourSteps runs every step on its own and checks the lines that carry
// each step's lesson.
func TestTourSteps(t *testing.T) {
	want := map[string][]string{
		"uppercase": {"tcp reply: HELLO FROM THE TOUR", "udp reply: NETWORK UTOPIA"},
		"sim":       {"30000 hops over links of 20-80 ms"},
		"host": {
			"in-memory network, 10 ms links:    5 hosts, 20 hops",
			"TCP on 127.0.0.1:                  5 hosts, 20 hops",
			"libp2p TCP+Noise+yamux:            5 hosts, 20 hops",
			"libp2p QUIC:                       5 hosts, 20 hops",
		},
		"dht":     {"key 51 -> peer 60", "key 61 -> peer 1 ", "get from another: 10.0.0.7"},
		"swarm":   {"lower bounds on distribution time", "every piece checked against its SHA-1"},
		"dns":     {"dns1.networkutopia.com.\t172800\tIN\tA\t212.212.212.1", "networkutopia.com.\t172800\tIN\tDS\t", "DNSKEY: answer", "(secure, from cache: true)"},
		"overlay": {"HTTP download 3500 bytes", "napster, directory down: search failed"},
	}
	for _, s := range sortedSteps() {
		t.Run(s.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var out bytes.Buffer
			require.NoError(t, run(ctx, &out, s.Name))
			for _, line := range want[s.Name] {
				require.Contains(t, out.String(), line)
			}
		})
	}
}

func TestSelectSteps(t *testing.T) {
	tests := []struct {
		only    string
		want    []string
		wantErr string
	}{
		{only: "host,uppercase", want: []string{"uppercase", "host"}},
		{only: " sim ", want: []string{"sim"}},
		{only: "nope", wantErr: `no step named "nope"`},
	}
	for _, tt := range tests {
		steps, err := selectSteps(tt.only)
		if tt.wantErr != "" {
			require.ErrorContains(t, err, tt.wantErr)
			continue
		}
		require.NoError(t, err)
		var names []string
		for _, s := range steps {
			names = append(names, s.Name)
		}
		require.Equal(t, tt.want, names)
	}
}

func TestPrefixWriterIndentsEveryLine(t *testing.T) {
	var out bytes.Buffer
	w := indent(&out, "> ")
	_, _ = w.Write([]byte("a\nb"))
	_, _ = w.Write([]byte("c\n\nd\n"))
	require.Equal(t, "> a\n> bc\n> \n> d\n", out.String())
}
