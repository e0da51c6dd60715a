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

// Size is computed, not encoded; it matches the encoding for every kind,
// across the varint boundaries (127/128 bytes, 16 383/16 384).
func TestSizeIsTheEncodedLength(t *testing.T) {
	enctest.Sizes(t, codec, map[string]transport.Message{
		"publish empty":          &Publish{},
		"publish one":            sampleMessages()[0],
		"publish 128 long names": &Publish{Addr: transport.Addr(strings.Repeat("a", 128)), Files: enctest.Files(128, 200, 40)},
		"publish 16384 files":    &Publish{Addr: "/sim/1", Files: enctest.Files(16384, 1, 0)},
		"query empty":            &Query{},
		"query":                  sampleMessages()[1],
		"query long":             &Query{ID: 1 << 60, Criteria: strings.Repeat("x", 200), TTL: 255, Hops: 255},
		"hits empty":             &Hits{},
		"hits one":               sampleMessages()[2],
		"hits no holders":        &Hits{ID: 127, Results: enctest.Results(3, 127, 7, 0)},
		"hits many holders":      &Hits{ID: 128, Results: enctest.Results(128, 16384, 62, 130)},
	})
}
