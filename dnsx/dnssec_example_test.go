package dnsx_test

import (
	"fmt"
	"strings"

	"github.com/networkutopia/p2p/dnsx"
)

// Signing with a key-signing and a zone-signing key (RFC 4035 section
// 2): the KSK signs the DNSKEY RRset, the ZSK every other RRset the zone
// is authoritative for, the DS of a signed child included, while the
// delegation's NS and its glue stay unsigned. NSEC3 records (RFC 9276's
// parameters: no salt, no extra iterations) chain the names for
// authenticated denial, and the KSK's DS is what the parent publishes.
func ExampleSignZone() {
	zone, err := dnsx.ParseZone(strings.NewReader(`
@      3600 SOA dns1 hostmaster 1 7200 900 1209600 300
       3600 NS  dns1
dns1   3600 A   212.212.212.1
eng    3600 NS  ns.eng
eng    3600 DS  60485 13 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A
ns.eng 3600 A   212.212.71.10
`), "networkutopia.com", "example")
	if err != nil {
		panic(err)
	}
	ksk, err := dnsx.GenerateKey("networkutopia.com", dnsx.AlgorithmECDSAP256SHA256, dnsx.FlagZoneKey|dnsx.FlagSEP)
	if err != nil {
		panic(err)
	}
	zsk, err := dnsx.GenerateKey("networkutopia.com", dnsx.AlgorithmECDSAP256SHA256, dnsx.FlagZoneKey)
	if err != nil {
		panic(err)
	}
	signed, err := dnsx.SignZone(zone, dnsx.SignConfig{Keys: []*dnsx.Key{ksk, zsk}, NSEC3: true})
	if err != nil {
		panic(err)
	}
	by := map[uint16]string{ksk.Tag(): "KSK", zsk.Tag(): "ZSK"}
	nsec3 := 0
	for _, rr := range signed.Records() {
		switch d := rr.Data.(type) {
		case dnsx.NSEC3:
			nsec3++
		case dnsx.RRSIG:
			if d.TypeCovered != dnsx.TypeNSEC3 {
				fmt.Println(rr.Name, d.TypeCovered, "signed by the", by[d.KeyTag])
			}
		}
	}
	fmt.Println(nsec3, "NSEC3 records: the apex, dns1 and eng, not the glue")
	ds := ksk.DS(3600).Data.(dnsx.DS)
	fmt.Println("DS for the parent:", ds.Algorithm, ds.DigestType, dnsx.MatchDS("networkutopia.com.", ds, ksk.DNSKEY))
	// Output:
	// networkutopia.com. NS signed by the ZSK
	// networkutopia.com. SOA signed by the ZSK
	// networkutopia.com. DNSKEY signed by the KSK
	// networkutopia.com. NSEC3PARAM signed by the ZSK
	// dns1.networkutopia.com. A signed by the ZSK
	// eng.networkutopia.com. DS signed by the ZSK
	// 3 NSEC3 records: the apex, dns1 and eng, not the glue
	// DS for the parent: ECDSAP256SHA256 2 true
}
