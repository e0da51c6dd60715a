package dnsx

import (
	"strings"
	"testing"
)

// FuzzReadTSIGKeys: any key file gives keys that are canonical, or an
// error; never a panic.
func FuzzReadTSIGKeys(f *testing.F) {
	f.Add(`key "k" { algorithm hmac-sha256; secret "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; };`)
	f.Add("# comment\n/* block */ key k { secret \"AAAA\"; };")
	f.Add(`key "k" {`)
	f.Add("key \u2003 k") // a Unicode space once made the tokenizer loop forever
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := ReadTSIGKeys(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, k := range keys {
			if c, err := k.Canonical(); err != nil || c.Name != k.Name || c.Algorithm != k.Algorithm {
				t.Fatalf("key %+v is not canonical: %v", k, err)
			}
		}
		ParseTSIGKey(s) //nolint:errcheck
	})
}

// FuzzUnpackUpdate: any octets are an update or an error; an update
// packs again.
func FuzzUnpackUpdate(f *testing.F) {
	u := NewUpdate("networkutopia.com").Require("new.networkutopia.com", TypeANY, false).
		Add(MustRR("new.networkutopia.com", "192.0.2.1", TypeA, 60)).
		Delete(MustRR("www.networkutopia.com", "212.212.71.4", TypeA, 0)).DeleteRRset("old.networkutopia.com", TypeANY)
	b, err := u.Pack()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := UnpackUpdate(b)
		if err != nil {
			return
		}
		if _, err := u.Pack(); err != nil {
			t.Fatalf("an update that unpacked does not pack: %v", err)
		}
	})
}
