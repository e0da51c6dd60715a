package dnsx

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParseDNSSEC: DNSSEC values either fail to parse with an error or
// parse into a value whose wire form parses back to the same value.
func FuzzParseDNSSEC(f *testing.F) {
	z, _ := signTestZone(f, AlgorithmECDSAP256SHA256, true)
	for _, rr := range z.Records() {
		if d, ok := rr.Data.(dnssecData); ok {
			f.Add(uint16(rr.Type()), d.appendWire(nil))
		}
	}
	f.Add(uint16(TypeNSEC), []byte{0, 0, 1, 0xff})
	f.Fuzz(func(t *testing.T, typ uint16, b []byte) {
		d, ok, err := parseDNSSEC(Type(typ), b)
		if !ok || err != nil {
			return
		}
		c, err := d.canonical()
		if err != nil {
			return
		}
		again, _, err := parseDNSSEC(Type(typ), c.(dnssecData).appendWire(nil))
		require.NoError(t, err)
		require.Equal(t, c.String(), again.String())
	})
}

// FuzzParseKey: key files either fail with an error or give a key that
// signs.
func FuzzParseKey(f *testing.F) {
	k, err := GenerateKey("example.", AlgorithmED25519, FlagZoneKey)
	require.NoError(f, err)
	f.Add([]byte(k.RR(3600).String()), k.privateFile())
	f.Add([]byte("; comment\nexample. IN DNSKEY 256 3 13 AAAA"), []byte("Algorithm: 13\nPrivateKey: AAAA"))
	f.Fuzz(func(t *testing.T, pub, priv []byte) {
		k, err := ParseKey(pub, priv)
		if err != nil {
			return
		}
		_, err = k.Sign([]RR{MustRR("example.", "192.0.2.1", TypeA, 60)}, 0, 1)
		require.NoError(t, err)
	})
}

// FuzzPutECDSASignature: an ASN.1 signature either fails with an error
// or fills the 64 octets, whose r and s encode back to the same integers.
func FuzzPutECDSASignature(f *testing.F) {
	f.Add([]byte{0x30, 6, 0x02, 1, 1, 0x02, 1, 2})
	f.Add([]byte{0x30, 0x81, 0x02, 0x02})
	f.Fuzz(func(t *testing.T, der []byte) {
		out := make([]byte, 64)
		if err := putECDSASignature(out, der); err != nil {
			return
		}
		again := make([]byte, 64)
		require.NoError(t, putECDSASignature(again, derOf(out)))
		require.Equal(t, out, again)
	})
}

// derOf encodes a DNSSEC ECDSA signature (r and s of 32 octets) as ASN.1,
// without the leading zeros DER forbids.
func derOf(sig []byte) []byte {
	var body []byte
	for _, v := range [][]byte{sig[:32], sig[32:]} {
		for len(v) > 1 && v[0] == 0 {
			v = v[1:]
		}
		if v[0]&0x80 != 0 {
			v = append([]byte{0}, v...)
		}
		body = append(append(body, 0x02, byte(len(v))), v...)
	}
	return append([]byte{0x30, byte(len(body))}, body...)
}
