package dnsx_test

import (
	"fmt"
	"strings"

	"github.com/networkutopia/p2p/dnsx"
)

// A zone signed with one combined key (NSEC3, RFC 9276 parameters): a
// query with the DO bit gets the RRSIG with the answer, and the parent
// gets the key's DS record.
func ExampleSignZone() {
	zone, err := dnsx.ParseZone(strings.NewReader(`
@    3600 SOA dns1 hostmaster 1 7200 900 1209600 300
     3600 NS  dns1
dns1 3600 A   212.212.212.1
www  3600 A   212.212.71.4
`), "networkutopia.com", "example")
	if err != nil {
		panic(err)
	}
	key, err := dnsx.GenerateKey("networkutopia.com", dnsx.AlgorithmED25519, dnsx.FlagZoneKey|dnsx.FlagSEP)
	if err != nil {
		panic(err)
	}
	signed, err := dnsx.SignZone(zone, dnsx.SignConfig{Keys: []*dnsx.Key{key}, NSEC3: true})
	if err != nil {
		panic(err)
	}
	res, _ := signed.LookupDNSSEC("www.networkutopia.com", dnsx.TypeA)
	for _, rr := range res.Answer {
		fmt.Println(rr.Name, rr.Type())
	}
	res, _ = signed.LookupDNSSEC("nope.networkutopia.com", dnsx.TypeA)
	fmt.Println(res.Kind, len(res.Authority) > 2)
	ds := key.DS(3600).Data.(dnsx.DS)
	fmt.Println(ds.Algorithm, ds.DigestType, dnsx.MatchDS("networkutopia.com.", ds, key.DNSKEY))
	// Output:
	// www.networkutopia.com. A
	// www.networkutopia.com. RRSIG
	// NXDOMAIN true
	// ED25519 2 true
}
