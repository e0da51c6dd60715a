package wire

import (
	"encoding/hex"
	"testing"
	"time"

	"codeberg.org/miekg/dns"
	"github.com/stretchr/testify/require"
)

var testKey = TSIGKey{Name: "xfr.example.", Algorithm: "hmac-sha256.", Secret: []byte("0123456789abcdef0123456789abcdef")}

// query returns a packed query for example. SOA with the given ID.
func query(t *testing.T, id uint16) []byte {
	t.Helper()
	b, err := Pack(Header{ID: id}, Question{Name: "example.", Type: typeSOA, Class: 1}, Sections{})
	require.NoError(t, err)
	return b
}

// TestTSIGMatchesTheWireLibrary: a message we sign verifies with the
// wire library's TSIG, and one it signs verifies with ours, for every
// algorithm, in both the request and the response (request MAC) form.
func TestTSIGMatchesTheWireLibrary(t *testing.T) {
	for _, alg := range []string{"hmac-sha256.", "hmac-sha384.", "hmac-sha512."} {
		t.Run(alg, func(t *testing.T) {
			key := testKey
			key.Algorithm = alg
			now := uint64(time.Now().Unix())
			signed, sig, err := SignTSIG(query(t, 7), key, Signing{}, now, 300, 0, nil)
			require.NoError(t, err)

			m := &dns.Msg{Data: append([]byte(nil), signed...)}
			require.NoError(t, m.Unpack())
			require.NoError(t, dns.TSIGVerify(m, dns.HmacTSIG{Secret: key.Secret}, &dns.TSIGOption{}))

			// The library signs a response to our request.
			r := dns.NewMsg("example.", dns.TypeSOA)
			r.ID, r.Response = 7, true
			r.Pseudo = []dns.RR{dns.NewTSIG(key.Name, alg, 300)}
			require.NoError(t, r.Pack())
			opt := &dns.TSIGOption{RequestMAC: hex.EncodeToString(sig)}
			require.NoError(t, dns.TSIGSign(r, dns.HmacTSIG{Secret: key.Secret}, opt))

			ts, found, err := FindTSIG(r.Data)
			require.NoError(t, err)
			require.True(t, found)
			require.Equal(t, key.Name, ts.Key)
			require.NoError(t, VerifyTSIG(r.Data, ts, key, Signing{RequestMAC: sig}))
			require.NoError(t, CheckTime(ts, now, 300))
			require.ErrorIs(t, VerifyTSIG(r.Data, ts, key, Signing{}), ErrBadSig, "without the request MAC")
		})
	}
}

// TestTSIGRefusesTampering: a changed octet, another secret, or a time
// outside the fudge each fail with their own error.
func TestTSIGRefusesTampering(t *testing.T) {
	now := uint64(time.Now().Unix())
	signed, _, err := SignTSIG(query(t, 9), testKey, Signing{}, now, 300, 0, nil)
	require.NoError(t, err)
	ts, found, err := FindTSIG(signed)
	require.NoError(t, err)
	require.True(t, found)
	require.NoError(t, VerifyTSIG(signed, ts, testKey, Signing{}))

	other := testKey
	other.Secret = []byte("another secret of thirty-two oct")
	require.ErrorIs(t, VerifyTSIG(signed, ts, other, Signing{}), ErrBadSig)

	bad := append([]byte(nil), signed...)
	bad[3] ^= 0x01 // a header flag
	ts2, _, err := FindTSIG(bad)
	require.NoError(t, err)
	require.ErrorIs(t, VerifyTSIG(bad, ts2, testKey, Signing{}), ErrBadSig)

	require.ErrorIs(t, CheckTime(ts, now+301, 300), ErrBadTime)
	require.ErrorIs(t, CheckTime(ts, now-301, 300), ErrBadTime)
	require.NoError(t, CheckTime(ts, now+300, 300))
}

// FuzzFindTSIG: any octets give a TSIG, none, or an error; never a panic.
func FuzzFindTSIG(f *testing.F) {
	signed, _, err := SignTSIG([]byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, testKey, Signing{}, 1, 300, 0, []byte{1, 2})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(signed)
	f.Add([]byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xc0, 0x0c})
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, found, err := FindTSIG(b)
		if err == nil && found {
			VerifyTSIG(b, ts, testKey, Signing{}) //nolint:errcheck
			StripTSIG(b, ts)
		}
	})
}
