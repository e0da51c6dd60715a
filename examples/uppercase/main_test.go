package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunBoth(t *testing.T) {
	tests := []struct {
		name, proto, in, want string
	}{
		{"tcp one line", "tcp", "hello, world\n", "HELLO, WORLD\n"},
		{"tcp lines", "tcp", "a\nb c\nlast line without newline", "A\nB C\nLAST LINE WITHOUT NEWLINE\n"},
		{"udp lines", "udp", "network utopia\ndns\n", "NETWORK UTOPIA\nDNS\n"},
		{"tcp empty input", "tcp", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out bytes.Buffer
			cfg := config{mode: "both", proto: tt.proto, addr: "127.0.0.1:0", timeout: 2 * time.Second}
			require.NoError(t, run(ctx, cfg, strings.NewReader(tt.in), &out))
			require.Equal(t, tt.want, out.String())
		})
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		cfg  config
		want string
	}{
		{"bad mode", config{mode: "relay", proto: "tcp", addr: "127.0.0.1:0"}, "unknown -mode"},
		{"bad proto", config{mode: "both", proto: "sctp", addr: "127.0.0.1:0"}, "unknown -proto"},
		{"bad addr", config{mode: "both", proto: "tcp", addr: "no-port"}, "bad address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.cfg, strings.NewReader(""), &bytes.Buffer{})
			require.ErrorContains(t, err, tt.want)
		})
	}
}
