package ratelimit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBucket(t *testing.T) {
	const rate, burst = 2.0, 3
	sec := int64(time.Second)
	b := Full(burst, 0)
	tests := []struct {
		at   int64
		want bool
	}{
		{0, true}, {0, true}, {0, true}, // the burst
		{0, false},              // empty
		{sec / 4, false},        // half a token
		{sec / 2, true},         // one token after half a second at 2/s
		{sec / 2, false},        // spent
		{100 * sec, true},       // a long pause saves up at most burst
		{100 * sec, true},       //
		{100 * sec, true},       //
		{100 * sec, false},      //
		{100*sec + sec/2, true}, //
	}
	for i, tt := range tests {
		require.Equal(t, tt.want, b.Take(tt.at, rate, burst), "take %d at %v", i, time.Duration(tt.at))
	}
}

func TestZeroBucketStartsEmpty(t *testing.T) {
	var b Bucket
	require.False(t, b.Take(0, 10, 5))
	require.True(t, b.Take(int64(100*time.Millisecond), 10, 5))
}
