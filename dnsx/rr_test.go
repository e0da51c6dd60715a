package dnsx

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCanonicalName(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"www.NetworkUtopia.com", "www.networkutopia.com.", ""},
		{"networkutopia.com.", "networkutopia.com.", ""},
		{".", ".", ""},
		{"_sip._udp.example.com", "_sip._udp.example.com.", ""},
		{"", "", "empty name"},
		{"a..b", "", "empty label"},
		{strings.Repeat("a", 64) + ".com", "", "over 63"},
		{strings.Repeat("abcdefg.", 32) + "com", "", "longer than 255"},
		{"sp ace.com", "", "character"},
		{`back\slash.com`, "", "character"},
	}
	for _, tc := range tests {
		got, err := CanonicalName(tc.in)
		if tc.err != "" {
			require.ErrorIs(t, err, ErrBadName, tc.in)
			require.ErrorContains(t, err, tc.err)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got)
	}
}

func TestNewRR_EveryModelledType(t *testing.T) {
	tests := []struct {
		t     Type
		value string
		want  string
	}{
		{TypeA, "212.212.212.1", "212.212.212.1"},
		{TypeAAAA, "2001:DB8::1", "2001:db8::1"},
		{TypeNS, "dns1.networkutopia.com", "dns1.networkutopia.com."},
		{TypeCNAME, "www.networkutopia.com.", "www.networkutopia.com."},
		{TypeMX, "10 Mail.networkutopia.com", "10 mail.networkutopia.com."},
		{TypeSOA, "dns1 hostmaster 1 2 3 4 5", "dns1. hostmaster. 1 2 3 4 5"},
		{TypeTXT, `"hello world" two`, `"hello world" "two"`},
		{TypePTR, "www.networkutopia.com", "www.networkutopia.com."},
		{TypeSRV, "10 5 5060 sip.networkutopia.com", "10 5 5060 sip.networkutopia.com."},
	}
	for _, tc := range tests {
		t.Run(tc.t.String(), func(t *testing.T) {
			rr, err := NewRR("x.networkutopia.com", tc.value, tc.t, 60)
			require.NoError(t, err)
			require.Equal(t, tc.t, rr.Type())
			require.Equal(t, tc.want, rr.Value())
			back, err := ParseRR(rr.String())
			require.NoError(t, err)
			require.Equal(t, rr, back)
		})
	}
}

func TestNewRR_BadValues(t *testing.T) {
	tests := []struct {
		t     Type
		value string
	}{
		{TypeA, "2001:db8::1"},
		{TypeA, "not-an-address"},
		{TypeAAAA, "192.0.2.1"},
		{TypeMX, "mail"},
		{TypeMX, "99999 mail"},
		{TypeSRV, "1 2 port host"},
		{TypeSOA, "a b 1 2 3"},
		{TypeNS, "a..b"},
		{TypeAXFR, "x"},
	}
	for _, tc := range tests {
		_, err := NewRR("x.example.com", tc.value, tc.t, 60)
		require.ErrorIs(t, err, ErrBadRecord, "%v %q", tc.t, tc.value)
	}
}

func TestParseType(t *testing.T) {
	for _, s := range []string{"A", "mx", "Srv", "TYPE65280"} {
		ty, err := ParseType(s)
		require.NoError(t, err)
		require.True(t, strings.EqualFold(s, ty.String()))
	}
	_, err := ParseType("BOGUS")
	require.ErrorIs(t, err, ErrBadRecord)
}

func TestCompareNames_CanonicalOrder(t *testing.T) {
	// RFC 4034 section 6.1's example order.
	names := []string{"example.", "a.example.", "yljkjljk.a.example.", "z.a.example.", "zabc.a.example.", "z.example."}
	for i := 1; i < len(names); i++ {
		require.Equal(t, -1, CompareNames(names[i-1], names[i]), "%s < %s", names[i-1], names[i])
		require.Equal(t, 1, CompareNames(names[i], names[i-1]))
	}
	require.Equal(t, 0, CompareNames("a.example.", "a.example."))
	require.Equal(t, -1, CompareNames(".", "com."))
}
