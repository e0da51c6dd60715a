package authserver_test

import (
	"context"
	"fmt"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/resolver"
)

// The registrar scenario signed: the root holds com's DS, com's
// registrar inserted networkutopia.com's, and a resolver that trusts
// only the root's key validates www.networkutopia.com down the chain.
func ExampleStartHierarchy_dnssec() {
	h, err := authserver.StartHierarchy(authserver.HierarchyConfig{DNSSEC: true})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	cfg := resolver.Config{Roots: h.Roots(), ServerAddr: h.ServerAddr, TrustAnchors: []dnsx.RR{h.TrustAnchor}}
	cfg.Trace = func(s resolver.TraceStep) {
		fmt.Printf("zone %s: %s %v: %s\n", s.Zone, s.Question.Name, s.Question.Type, s.Outcome)
	}
	r, err := resolver.NewResolver(cfg, "")
	if err != nil {
		panic(err)
	}
	defer r.Close()
	a, err := r.Lookup(context.Background(), "www.networkutopia.com", dnsx.TypeA)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Records[0].Value(), a.Security)
	// Output:
	// zone .: com. A: referral to com.
	// zone com.: networkutopia.com. A: referral to networkutopia.com.
	// zone com.: networkutopia.com. DS: answer
	// zone .: com. DS: answer
	// zone .: . DNSKEY: answer
	// zone com.: com. DNSKEY: answer
	// zone networkutopia.com.: networkutopia.com. DNSKEY: answer
	// zone networkutopia.com.: www.networkutopia.com. A: answer
	// 212.212.71.4 secure
}
