package overlay

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMatchNeedsEveryKeyword(t *testing.T) {
	tests := []struct {
		query, name string
		want        bool
	}{
		{"free song", "Free Software Song.ogg", true},
		{"SONG", "free software song.ogg", true},
		{"song ogg", "free software song.ogg", true},
		{"free beer", "free software song.ogg", false},
		{"soft", "free software song.ogg", false},
		{"", "anything", false},
		{"   ", "anything", false},
		{"song0042", "song0042.mp3", true},
		{"song0042", "song0420.mp3", false},
		{"über", "Über alles.mp3", true},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, Match(tt.query, tt.name), "%q in %q", tt.query, tt.name)
	}
}

func TestKeywords(t *testing.T) {
	require.Equal(t, []string{"free", "software", "song", "ogg"}, Keywords("Free Software_Song.ogg song"))
	require.Nil(t, Keywords("--"))
}

func TestURNRoundTrip(t *testing.T) {
	f := NewFile("x", []byte("hello"))
	require.Equal(t, int64(5), f.Size)
	h, ok := ParseURN(f.Hash.URN())
	require.True(t, ok)
	require.Equal(t, f.Hash, h)
	h, ok = ParseURN("URN:SHA1:" + f.Hash.String())
	require.True(t, ok)
	require.Equal(t, f.Hash, h)
	for _, bad := range []string{"", "urn:sha1:", "urn:md5:AAAA", "urn:sha1:!!!!"} {
		_, ok := ParseURN(bad)
		require.False(t, ok, bad)
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("free song", "Free Software Song.ogg")
	f.Add("s k", "ſ K")
	f.Fuzz(func(t *testing.T, q, name string) {
		if Match(q, name) {
			require.NotEmpty(t, Keywords(q))
			require.Zero(t, KeywordMask(q)&^KeywordMask(name), "a match's mask is covered")
		}
	})
}

func TestKeywordMaskCoversMatches(t *testing.T) {
	require.Zero(t, KeywordMask("SONG free")&^KeywordMask("free software song.ogg"))
	require.Zero(t, KeywordMask("s k")&^KeywordMask("ſ K"), "long s and Kelvin sign fold like s and k")
	require.NotZero(t, KeywordMask("beer")&^KeywordMask("free software song.ogg"))
	require.Zero(t, KeywordMask(""))
}

func FuzzParseURN(f *testing.F) {
	f.Add("urn:sha1:PLSTHIPQGSSZTS5FJUPAKUZWUGYQYPFB")
	f.Fuzz(func(t *testing.T, s string) {
		if h, ok := ParseURN(s); ok {
			again, ok := ParseURN(h.URN())
			require.True(t, ok)
			require.Equal(t, h, again)
		}
	})
}

func TestDescriptorsDropData(t *testing.T) {
	files := []File{NewFile("a.mp3", []byte("aaa")), NewFile("b.mp3", nil)}
	got := Descriptors(files)
	require.Equal(t, []File{
		{Name: "a.mp3", Size: 3, Hash: HashOf([]byte("aaa"))},
		{Name: "b.mp3", Hash: HashOf(nil)},
	}, got)
	require.Equal(t, []byte("aaa"), files[0].Data, "the originals keep their data")
	require.Empty(t, Descriptors(nil))
}
