package authserver_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
)

// A server answers over DNS over QUIC (RFC 9250); a client keeps one
// connection and asks on a stream per query.
func ExampleServer_StartDoQ() {
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
	defer srv.Close()
	cert, err := authserver.SelfSignedCertificate("127.0.0.1") // tls.LoadX509KeyPair in production
	if err != nil {
		panic(err)
	}
	if err := srv.StartDoQ("127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}}); err != nil {
		panic(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := dnsx.DialDoQ(ctx, srv.DoQAddr(), &tls.Config{RootCAs: roots})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	for _, name := range []string{"www.networkutopia.com", "dns1.networkutopia.com"} {
		m, err := c.Exchange(ctx, dnsx.NewQuery(0, name, dnsx.TypeA))
		if err != nil {
			panic(err)
		}
		fmt.Println(m.Answer[0].Value())
	}
	// Output:
	// 212.212.71.4
	// 212.212.212.1
}
