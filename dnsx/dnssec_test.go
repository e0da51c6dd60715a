package dnsx

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/internal/testutil"
)

// signTestZone signs testdata's networkutopia.com with a fresh key pair.
func signTestZone(t testing.TB, alg Algorithm, nsec3 bool) (*Zone, []*Key) {
	t.Helper()
	z := loadTestZone(t, "networkutopia.com.")
	ksk, err := GenerateKey(z.Origin(), alg, FlagZoneKey|FlagSEP)
	require.NoError(t, err)
	zsk, err := GenerateKey(z.Origin(), alg, FlagZoneKey)
	require.NoError(t, err)
	signed, err := SignZone(z, SignConfig{Keys: []*Key{ksk, zsk}, NSEC3: nsec3})
	require.NoError(t, err)
	return signed, []*Key{ksk, zsk}
}

func TestDNSSECRecordsRoundTrip(t *testing.T) {
	for _, line := range []string{
		"example. 3600 IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
		"example. 3600 IN DS 60485 13 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A",
		"example. 3600 IN NSEC a.example. A NS SOA RRSIG NSEC DNSKEY TYPE1234",
		"example. 3600 IN NSEC3 1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22bojr A RRSIG",
		"example. 3600 IN NSEC3 1 1 12 AABBCCDD 2t7b4g4vsa5smi47k61mv5bv1a22bojr",
		"example. 0 IN NSEC3PARAM 1 0 0 -",
		"example. 3600 IN RRSIG A 13 1 3600 20261207000000 20261107000000 12345 example. mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
	} {
		t.Run(line[16:26], func(t *testing.T) {
			rr, err := ParseRR(line)
			require.NoError(t, err)
			_, unknown := rr.Data.(Unknown)
			require.False(t, unknown)
			again, err := ParseRR(rr.String())
			require.NoError(t, err)
			require.Equal(t, rr, again)
			m := &Msg{Question: Question{Name: "example.", Type: rr.Type(), Class: ClassINET}, Answer: []RR{rr}}
			b, err := m.Pack()
			require.NoError(t, err)
			back, err := Unpack(b)
			require.NoError(t, err)
			require.Equal(t, []RR{rr}, back.Answer)
		})
	}
}

// RFC 4034 appendix B and RFC 5155 appendix A give a key tag and hashes
// to check against.
func TestDNSSECKeyTagAndNSEC3Hash(t *testing.T) {
	// The ECDSA key of RFC 6605 section 6.1 has key tag 55648.
	rr, err := ParseRR("example.net. 3600 IN DNSKEY 257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==")
	require.NoError(t, err)
	require.Equal(t, uint16(55648), KeyTag(rr.Data.(DNSKEY)))
	ds := MakeDS("example.net.", rr.Data.(DNSKEY))
	require.Equal(t, "55648 13 2 B4C8C1FE2E7477127B27115656AD6256F424625BF5C1E2770CE6D6E37DF61D17", ds.String())
	// RFC 5155 appendix A: example with salt aabbccdd and 12 iterations.
	require.Equal(t, "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.",
		NSEC3Owner(NSEC3Hash("example.", 12, []byte{0xaa, 0xbb, 0xcc, 0xdd}), "example."))
}

func TestSignZoneSignaturesVerify(t *testing.T) {
	for _, tc := range []struct {
		alg   Algorithm
		nsec3 bool
	}{{AlgorithmECDSAP256SHA256, false}, {AlgorithmED25519, true}} {
		t.Run(fmt.Sprintf("%v/nsec3=%v", tc.alg, tc.nsec3), func(t *testing.T) {
			z, keys := signTestZone(t, tc.alg, tc.nsec3)
			require.True(t, z.Signed())
			sigs := 0
			for _, name := range z.Names() {
				n := z.nodes[name]
				for _, sig := range n.set(TypeRRSIG) {
					s := sig.Data.(RRSIG)
					var key DNSKEY
					for _, k := range keys {
						if k.Tag() == s.KeyTag {
							key = k.DNSKEY
						}
					}
					require.NoError(t, VerifySignature(s, n.set(s.TypeCovered), key), "%s %v", name, s.TypeCovered)
					require.True(t, SignatureValidAt(s, time.Now()))
					sigs++
				}
				// Glue and the delegation's NS are unsigned.
				if name == "ns.eng.networkutopia.com." {
					require.Nil(t, n.set(TypeRRSIG))
				}
			}
			require.Greater(t, sigs, 15)
			// Re-signing replaces the old signatures rather than adding.
			again, err := SignZone(z, SignConfig{Keys: keys, NSEC3: tc.nsec3})
			require.NoError(t, err)
			require.Equal(t, z.Len(), again.Len())
		})
	}
}

func TestKeyFilesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, alg := range []Algorithm{AlgorithmECDSAP256SHA256, AlgorithmED25519} {
		k, err := GenerateKey("networkutopia.com", alg, FlagZoneKey|FlagSEP)
		require.NoError(t, err)
		base, err := k.WriteFiles(dir)
		require.NoError(t, err)
		require.Equal(t, filepath.Join(dir, k.FileBase()), base)
		back, err := ReadKeyFiles(base + ".private")
		require.NoError(t, err)
		require.Equal(t, k.DNSKEY, back.DNSKEY)
		sig, err := back.Sign([]RR{MustRR("www.networkutopia.com", "212.212.71.4", TypeA, 60)}, 0, 1<<31)
		require.NoError(t, err)
		require.NoError(t, VerifySignature(sig.Data.(RRSIG), []RR{MustRR("www.networkutopia.com", "212.212.71.4", TypeA, 60)}, k.DNSKEY))
	}
}

// TestKeyFilesFromBIND reads keys that BIND's dnssec-keygen wrote and
// signs a zone with them that dnssec-verify accepts.
func TestKeyFilesFromBIND(t *testing.T) {
	if testing.Short() {
		t.Skip("runs dnssec-keygen")
	}
	keygen := testutil.Tool(t, "dnssec-keygen", "bind9-utils")
	for _, alg := range []string{"ECDSAP256SHA256", "ED25519"} {
		t.Run(alg, func(t *testing.T) {
			dir := t.TempDir()
			var keys []*Key
			for _, args := range [][]string{{"-f", "KSK"}, nil} {
				cmd := exec.Command(keygen, append(append([]string{"-q", "-K", dir, "-a", alg}, args...), "networkutopia.com")...)
				out, err := cmd.Output()
				require.NoError(t, err)
				k, err := ReadKeyFiles(filepath.Join(dir, string(bytes.TrimSpace(out))))
				require.NoError(t, err)
				keys = append(keys, k)
			}
			z, err := SignZone(loadTestZone(t, "networkutopia.com."), SignConfig{Keys: keys})
			require.NoError(t, err)
			verifyWithTools(t, z)
		})
	}
}

// verifyWithTools writes z and runs dnssec-verify and ldns-verify-zone
// on it.
func verifyWithTools(t *testing.T, z *Zone) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "zone")
	var b bytes.Buffer
	_, err := z.WriteTo(&b)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, cmd := range []*exec.Cmd{
		exec.CommandContext(ctx, testutil.Tool(t, "dnssec-verify", "bind9-utils"), "-z", "-o", z.Origin(), path),
		exec.CommandContext(ctx, testutil.Tool(t, "ldns-verify-zone", "ldnsutils"), path),
	} {
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s:\n%s\nzone:\n%s", cmd.Args[0], out, b.String())
	}
}

// TestSignedZonePassesStandardVerifiers checks our signed zones with
// BIND's dnssec-verify and ldns-verify-zone, for both algorithms, NSEC
// and NSEC3, split and combined keys.
func TestSignedZonePassesStandardVerifiers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs dnssec-verify and ldns-verify-zone")
	}
	for _, tc := range []struct {
		alg      Algorithm
		nsec3    bool
		combined bool
	}{
		{AlgorithmECDSAP256SHA256, false, false},
		{AlgorithmECDSAP256SHA256, true, true},
		{AlgorithmED25519, true, false},
		{AlgorithmED25519, false, true},
	} {
		t.Run(fmt.Sprintf("%v/nsec3=%v/combined=%v", tc.alg, tc.nsec3, tc.combined), func(t *testing.T) {
			if tc.combined {
				k, err := GenerateKey("networkutopia.com", tc.alg, FlagZoneKey|FlagSEP)
				require.NoError(t, err)
				z, err := SignZone(loadTestZone(t, "networkutopia.com."), SignConfig{Keys: []*Key{k}, NSEC3: tc.nsec3})
				require.NoError(t, err)
				verifyWithTools(t, z)
				return
			}
			z, _ := signTestZone(t, tc.alg, tc.nsec3)
			verifyWithTools(t, z)
		})
	}
}
