package superpeer

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/enc/enctest"
	"github.com/networkutopia/p2p/transport"
)

func sampleMessages() []transport.Message {
	return []transport.Message{
		&Publish{Addr: "/ip4/127.0.0.1/tcp/6346", Files: []overlay.File{{Hash: song.Hash, Name: song.Name, Size: song.Size}}},
		&Query{ID: 42, Criteria: "free song", TTL: 3, Hops: 1},
		&Hits{ID: 42, Results: []overlay.Result{{File: overlay.File{Hash: song.Hash, Name: song.Name, Size: song.Size}, Holders: []transport.Addr{"/sim/1", "/sim/2"}}}},
	}
}

var codec = enctest.Codec{Marshal: Marshal, Unmarshal: Unmarshal}

func TestMessagesGolden(t *testing.T) {
	enctest.Golden(t, codec, sampleMessages(), "testdata/messages.golden")
	_, err := Marshal(transport.Bytes("x"))
	require.Error(t, err)
}

func FuzzUnmarshal(f *testing.F) { enctest.Fuzz(f, codec, sampleMessages()) }

func TestSizeIsTheEncodedLength(t *testing.T) {
	for _, m := range append(sampleMessages(), &Query{ID: 1 << 60, Criteria: strings.Repeat("x", 200), TTL: 1}) {
		b, err := Marshal(m)
		require.NoError(t, err)
		require.Len(t, b, m.Size(), "%T", m)
	}
}
