package libp2p_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport/libp2p"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   libp2p.Config
		field string // "" when valid
	}{
		{name: "zero value", cfg: libp2p.Config{}},
		{name: "everything set", cfg: libp2p.Config{
			Key:                libp2p.KeyFromSeed("x"),
			Protocol:           "/my/proto/2",
			Transports:         []libp2p.Kind{libp2p.QUIC},
			NegotiationTimeout: time.Second,
		}},
		{name: "short key", cfg: libp2p.Config{Key: make([]byte, 32)}, field: "Config.Key"},
		{name: "protocol without slash", cfg: libp2p.Config{Protocol: "proto"}, field: "Config.Protocol"},
		{name: "protocol with space", cfg: libp2p.Config{Protocol: "/my proto"}, field: "Config.Protocol"},
		{name: "protocol with newline", cfg: libp2p.Config{Protocol: "/p\n"}, field: "Config.Protocol"},
		{name: "unknown transport", cfg: libp2p.Config{Transports: []libp2p.Kind{"websocket"}}, field: "Config.Transports"},
		{name: "repeated transport", cfg: libp2p.Config{Transports: []libp2p.Kind{libp2p.TCP, libp2p.TCP}}, field: "Config.Transports"},
		{name: "negative timeout", cfg: libp2p.Config{NegotiationTimeout: -time.Second}, field: "Config.NegotiationTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, libp2p.ErrBadConfig)
			require.ErrorContains(t, err, tt.field)
			_, err = libp2p.New(tt.cfg)
			require.ErrorIs(t, err, libp2p.ErrBadConfig, "New validates its config")
		})
	}
}
