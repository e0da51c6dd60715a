package authserver_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
)

// A key shared with an updater (as an ACME DNS-01 client or a DHCP
// server would hold it) lets it add records under _acme-challenge, and
// nothing else; the serial grows with each change.
func ExampleUpdateConfig() {
	zone, err := dnsx.ParseZone(strings.NewReader(`
@    3600 SOA dns1 hostmaster 1 7200 900 1209600 300
     3600 NS  dns1
dns1 3600 A   212.212.212.1
`), "networkutopia.com", "example")
	if err != nil {
		panic(err)
	}
	key, err := dnsx.ParseTSIGKey("hmac-sha256:acme-key:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err != nil {
		panic(err)
	}
	srv, err := authserver.NewServer(authserver.Config{
		Zones: []*dnsx.Zone{zone},
		TSIG:  authserver.TSIGConfig{Keys: []dnsx.TSIGKey{key}},
		Update: authserver.UpdateConfig{Policy: []authserver.UpdateRule{
			{Key: "acme-key", Name: "_acme-challenge.networkutopia.com", Subdomain: true, Types: []dnsx.Type{dnsx.TypeTXT}},
		}},
	})
	if err != nil {
		panic(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()

	challenge := dnsx.MustRR("_acme-challenge.networkutopia.com", `"token-1234"`, dnsx.TypeTXT, 60)
	rcode, err := dnsx.ExchangeUpdate(ctx, srv.Addr(), dnsx.NewUpdate("networkutopia.com").Add(challenge), key)
	fmt.Println(rcode, err, srv.Zone("networkutopia.com").Serial())

	www := dnsx.MustRR("www.networkutopia.com", "192.0.2.66", dnsx.TypeA, 60)
	rcode, err = dnsx.ExchangeUpdate(ctx, srv.Addr(), dnsx.NewUpdate("networkutopia.com").Add(www), key)
	fmt.Println(rcode, err, srv.Zone("networkutopia.com").Serial())
	// Output:
	// NOERROR <nil> 2
	// REFUSED <nil> 2
}
