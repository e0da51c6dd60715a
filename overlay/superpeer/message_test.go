package superpeer

import (
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/overlay"

	"github.com/networkutopia/p2p/transport"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sampleMessages() []transport.Message {
	return []transport.Message{
		&Publish{Addr: "/ip4/127.0.0.1/tcp/6346", Files: []overlay.File{{Hash: song.Hash, Name: song.Name, Size: song.Size}}},
		&Query{ID: 42, Criteria: "free song", TTL: 3, Hops: 1},
		&Hits{ID: 42, Results: []overlay.Result{{File: overlay.File{Hash: song.Hash, Name: song.Name, Size: song.Size}, Holders: []transport.Addr{"/sim/1", "/sim/2"}}}},
	}
}

func TestMessagesGolden(t *testing.T) {
	var out strings.Builder
	for _, m := range sampleMessages() {
		b, err := Marshal(m)
		require.NoError(t, err)
		fmt.Fprintf(&out, "%T %s\n", m, hex.EncodeToString(b))
		back, err := Unmarshal(b)
		require.NoError(t, err)
		require.Equal(t, m, back)
	}
	if *update {
		require.NoError(t, os.WriteFile("testdata/messages.golden", []byte(out.String()), 0o644))
	}
	want, err := os.ReadFile("testdata/messages.golden")
	require.NoError(t, err)
	require.Equal(t, string(want), out.String())
	_, err = Marshal(transport.Bytes("x"))
	require.Error(t, err)
}

func FuzzUnmarshal(f *testing.F) {
	for _, m := range sampleMessages() {
		b, _ := Marshal(m)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Unmarshal(b)
		if err != nil {
			return
		}
		again, err := Marshal(m)
		require.NoError(t, err)
		m2, err := Unmarshal(again)
		require.NoError(t, err)
		require.Equal(t, m, m2)
	})
}

func TestSizeIsTheEncodedLength(t *testing.T) {
	for _, m := range append(sampleMessages(), &Query{ID: 1 << 60, Criteria: strings.Repeat("x", 200), TTL: 1}) {
		b, err := Marshal(m)
		require.NoError(t, err)
		require.Len(t, b, m.Size(), "%T", m)
	}
}
