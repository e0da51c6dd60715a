package wire

import (
	"bufio"
	"bytes"
	"net/netip"
	"testing"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/stretchr/testify/require"
)

// TestAllowedFastSetBEP6Vectors checks BEP 6's own example: a torrent of
// 1313 pieces with info-hash 0xaa...aa, a peer at 80.4.4.200.
func TestAllowedFastSetBEP6Vectors(t *testing.T) {
	var ih metainfo.Hash
	copy(ih[:], bytes.Repeat([]byte{0xaa}, 20))
	ip := netip.MustParseAddr("80.4.4.200")
	require.Equal(t, []uint32{1059, 431, 808, 1217, 287, 376, 1188}, AllowedFastSet(ip, ih, 1313, 7))
	require.Equal(t, []uint32{1059, 431, 808, 1217, 287, 376, 1188, 353, 508}, AllowedFastSet(ip, ih, 1313, 9))
	// The last octet does not count; IPv4-mapped IPv6 is IPv4.
	require.Equal(t, AllowedFastSet(ip, ih, 1313, 7), AllowedFastSet(netip.MustParseAddr("::ffff:80.4.4.1"), ih, 1313, 7))
	require.Nil(t, AllowedFastSet(netip.MustParseAddr("2001:db8::1"), ih, 1313, 7))
	require.Len(t, AllowedFastSet(ip, ih, 3, 10), 3, "never more than the torrent's pieces")
}

func TestFastBits(t *testing.T) {
	var h Handshake
	require.False(t, h.SupportsFast())
	h.Reserved = WithFast(WithExtensions(h.Reserved))
	require.True(t, h.SupportsFast())
	require.True(t, h.SupportsExtensions())
	require.Equal(t, [8]byte{0, 0, 0, 0, 0, 0x10, 0, 0x04}, h.Reserved)
}

// TestCodecKeepsSharedBits: the peer's handshake the codec hands over
// keeps only the reserved bits both ends set.
func TestCodecKeepsSharedBits(t *testing.T) {
	ours := NewCodec(CodecConfig{Reserved: WithExtensions([8]byte{})})().(*codec)
	theirs := Handshake{Reserved: WithFast(WithExtensions([8]byte{}))}
	theirs.Reserved[0] = 0x80
	in := AppendHandshake(nil, theirs)
	var out bytes.Buffer
	rw := bufio.NewReadWriter(bufio.NewReader(bytes.NewReader(in)), bufio.NewWriter(&out))
	require.NoError(t, ours.Handshake(rw, true))
	m, err := ours.Decode(rw.Reader)
	require.NoError(t, err)
	h := m.(Handshake)
	require.True(t, h.SupportsExtensions())
	require.False(t, h.SupportsFast(), "we did not offer Fast")
	require.Zero(t, h.Reserved[0])
}
