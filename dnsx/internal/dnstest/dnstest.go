// Package dnstest holds the helpers that the tests of dnsx's packages
// share: the test zones of dnsx/testdata, compact record listings and
// fuzzing seeds.
package dnstest

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
)

// Testdata is the directory of dnsx's test zones (dnsx/testdata).
func Testdata() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}

// LoadZone loads dnsx/testdata/<origin>zone ("networkutopia.com." loads
// networkutopia.com.zone).
func LoadZone(t testing.TB, origin string) *dnsx.Zone {
	t.Helper()
	z, err := dnsx.LoadZone(filepath.Join(Testdata(), origin+"zone"), origin)
	require.NoError(t, err)
	return z
}

// Values returns "name TYPE value" of each record, for compact
// assertions; nil for no records.
func Values(rrs []dnsx.RR) []string {
	if len(rrs) == 0 {
		return nil
	}
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = rr.Name + " " + rr.Type().String() + " " + rr.Value()
	}
	return out
}

// SeedQueries returns valid queries and responses in wire form, as
// fuzzing seeds.
func SeedQueries(t testing.TB) [][]byte {
	var out [][]byte
	for _, q := range []*dnsx.Msg{
		dnsx.NewQuery(1, "www.networkutopia.com", dnsx.TypeA),
		{ID: 2, Question: dnsx.Question{Name: "networkutopia.com.", Type: dnsx.TypeMX, Class: dnsx.ClassINET}},
		{ID: 3, Question: dnsx.Question{Name: "networkutopia.com.", Type: dnsx.TypeAXFR, Class: dnsx.ClassINET}},
		{ID: 6, Question: dnsx.Question{Name: "networkutopia.com.", Type: dnsx.TypeIXFR, Class: dnsx.ClassINET},
			Authority: []dnsx.RR{dnsx.MustRR("networkutopia.com", "dns1.networkutopia.com hostmaster.networkutopia.com 1 2 3 4 5", dnsx.TypeSOA, 0)}},
		{ID: 4, Opcode: dnsx.OpcodeNotify, Question: dnsx.Question{Name: "networkutopia.com.", Type: dnsx.TypeSOA, Class: dnsx.ClassINET}},
		{ID: 5, Response: true, Authoritative: true, Question: dnsx.Question{Name: "www.networkutopia.com.", Type: dnsx.TypeA, Class: dnsx.ClassINET},
			Answer:     []dnsx.RR{dnsx.MustRR("www.networkutopia.com", "212.212.71.4", dnsx.TypeA, 3600)},
			Authority:  []dnsx.RR{dnsx.MustRR("networkutopia.com", "dns1.networkutopia.com", dnsx.TypeNS, 3600)},
			Additional: []dnsx.RR{dnsx.MustRR("dns1.networkutopia.com", "212.212.212.1", dnsx.TypeA, 3600)}},
	} {
		b, err := q.Pack()
		require.NoError(t, err)
		out = append(out, b)
	}
	return out
}
