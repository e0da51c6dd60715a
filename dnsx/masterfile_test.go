package dnsx

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/networkutopia/p2p/internal/golden"

	"github.com/stretchr/testify/require"
)

func TestWriteTo_Golden(t *testing.T) {
	for _, origin := range []string{"networkutopia.com.", "com."} {
		t.Run(origin, func(t *testing.T) {
			z := loadTestZone(t, origin)
			var buf bytes.Buffer
			n, err := z.WriteTo(&buf)
			require.NoError(t, err)
			require.Equal(t, int64(buf.Len()), n)
			golden.Check(t, filepath.Join("testdata", origin+"golden"), buf.String())

			// What WriteTo writes, ParseZone reads back as the same zone.
			back, err := ParseZone(&buf, origin, "written")
			require.NoError(t, err)
			require.Equal(t, z.Records(), back.Records())
		})
	}
}

func TestParseZone_Errors(t *testing.T) {
	tests := []struct{ name, text, err string }{
		{"syntax", "@ SOA ns admin 1 2 3 4\n", "bad"},
		{"bad address", "@ SOA ns admin 1 2 3 4 5\n@ NS ns\nns A 300.1.1.1\n", "bad"},
		{"include is refused", "$INCLUDE /etc/passwd\n", "include"},
		{"no records", "", "no records at its apex"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseZone(strings.NewReader(tc.text), "example.com.", "t")
			require.Error(t, err)
			require.Contains(t, strings.ToLower(err.Error()), tc.err)
		})
	}
}

func TestParseZone_UnknownTypesRoundTrip(t *testing.T) {
	text := "@ SOA ns admin 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n@ TYPE65280 \\# 3 abcdef\n@ HINFO \"pc\" \"linux\"\n"
	z, err := ParseZone(strings.NewReader(text), "example.com.", "t")
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = z.WriteTo(&buf)
	require.NoError(t, err)
	require.Contains(t, buf.String(), `TYPE65280	\# 3 abcdef`)
	back, err := ParseZone(&buf, "example.com.", "t")
	require.NoError(t, err)
	require.Equal(t, z.Records(), back.Records())
}

func TestParseZone_RecordLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("@ SOA ns admin 1 2 3 4 5\n@ NS ns\n")
	for range 20 {
		b.WriteString("@ TXT x\n")
	}
	_, err := parseMaster(strings.NewReader(b.String()), "example.com.", "t", 10)
	require.ErrorContains(t, err, "more than 10 records")
}

// FuzzParseZone feeds arbitrary master-file text to the parser: it must
// return a zone or an error, never panic, and a zone it accepts must
// survive a write and re-read unchanged.
func FuzzParseZone(f *testing.F) {
	f.Add("@ SOA ns admin 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n")
	f.Add("$TTL 60\n@ SOA ns admin (1 2 3\n 4 5)\n@ NS ns.x.\nsub NS ns.sub\nns.sub A 192.0.2.2\nw CNAME sub\n")
	f.Add("@ SOA ns admin 1 2 3 4 5\n@ NS ns\n@ TXT \"a\\\"b\" c\n@ MX 10 m\n_s._tcp SRV 1 2 3 t\n")
	f.Add("$GENERATE 1-5 h$ A 192.0.2.$\n")
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 4096 {
			return
		}
		// $GENERATE expands a short text into many records: bound them.
		z, err := parseZone(strings.NewReader(text), "example.com.", "fuzz", 2000)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if _, err := z.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := ParseZone(&buf, "example.com.", "again")
		if err != nil {
			t.Fatalf("written zone does not parse: %v\n%s", err, buf.String())
		}
		require.Equal(t, z.Records(), back.Records())
		for _, rr := range z.Records() {
			if _, err := z.Lookup(rr.Name, rr.Type()); err != nil {
				t.Fatal(err)
			}
		}
	})
}
