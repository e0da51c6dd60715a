package authserver_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/resolver"
)

// A server answers from its zones; Respond is its hot path on one query.
func ExampleServer_Respond() {
	zone, err := dnsx.ParseZone(strings.NewReader(`
@    3600 SOA dns1 hostmaster 1 7200 900 1209600 300
     3600 NS  dns1
dns1 3600 A   212.212.212.1
www  3600 A   212.212.71.4
`), "networkutopia.com", "example")
	if err != nil {
		panic(err)
	}
	srv, err := authserver.NewServer(authserver.Config{Zones: []*dnsx.Zone{zone}})
	if err != nil {
		panic(err)
	}
	q, _ := dnsx.NewQuery(7, "WWW.networkutopia.com", dnsx.TypeA).Pack()
	resp, _ := dnsx.Unpack(srv.Respond(q, netip.MustParseAddrPort("192.0.2.1:5353"), false, nil))
	fmt.Println(resp.ID, resp.Rcode, resp.Authoritative, resp.Question.Name)
	fmt.Println(resp.Answer[0])
	// Output:
	// 7 NOERROR true WWW.networkutopia.com.
	// www.networkutopia.com.	3600	IN	A	212.212.71.4
}

// The registrar scenario and an iterative resolution, on loopback.
func ExampleStartHierarchy() {
	h, err := authserver.StartHierarchy(authserver.HierarchyConfig{})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	cfg := resolver.Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}
	cfg.Trace = func(s resolver.TraceStep) { fmt.Printf("zone %s: %s\n", s.Zone, s.Outcome) }
	r, err := resolver.NewResolver(cfg, "")
	if err != nil {
		panic(err)
	}
	defer r.Close()
	a, err := r.Lookup(context.Background(), "www.networkutopia.com", dnsx.TypeA)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Records[0].Value())
	// Output:
	// zone .: referral to com.
	// zone com.: referral to networkutopia.com.
	// zone networkutopia.com.: answer
	// 212.212.71.4
}
