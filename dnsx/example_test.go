package dnsx_test

import (
	"fmt"

	"github.com/networkutopia/p2p/dnsx"
)

// The textbook's records: an A record names a host's address, an NS record
// a domain's server, an MX record its mail server.
func ExampleNewRR() {
	for _, rr := range []dnsx.RR{
		dnsx.MustRR("www.networkutopia.com", "212.212.71.4", dnsx.TypeA, 3600),
		dnsx.MustRR("networkutopia.com", "dns1.networkutopia.com", dnsx.TypeNS, 172800),
		dnsx.MustRR("networkutopia.com", "10 mail.networkutopia.com", dnsx.TypeMX, 3600),
	} {
		fmt.Println(rr)
	}
	// Output:
	// www.networkutopia.com.	3600	IN	A	212.212.71.4
	// networkutopia.com.	172800	IN	NS	dns1.networkutopia.com.
	// networkutopia.com.	3600	IN	MX	10 mail.networkutopia.com.
}
