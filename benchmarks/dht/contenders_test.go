package dht_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	kad "github.com/libp2p/go-libp2p-kad-dht"
	record "github.com/libp2p/go-libp2p-record"
	"github.com/libp2p/go-libp2p/core/peer"
	ours "github.com/networkutopia/p2p/dht"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/libp2p"
)

// cluster is a running DHT of n nodes on loopback. Nodes are addressed by
// index; keys are plain strings, which each contender maps to its own key
// space.
type cluster interface {
	size() int
	put(ctx context.Context, node int, key string, value []byte) error
	get(ctx context.Context, node int, key string) ([]byte, error)
	// lookup finds the node(s) responsible for key and returns the hops
	// it took (-1 when the contender does not report them).
	lookup(ctx context.Context, node int, key string) (hops int, err error)
	close() error
}

// contender starts a cluster of n nodes, each joining through the first
// one, and waits settle for its maintenance to fill the routing tables.
type contender struct {
	name  string
	start func(ctx context.Context, n int, settle time.Duration) (cluster, error)
}

var contenders = []contender{{"ours", startOurs}, {"kad", startKad}}

// newTransport makes node i's libp2p host: TCP secured by Noise and
// multiplexed by yamux, with a deterministic identity. Both contenders run
// on hosts made here, so they share the transport stack down to the keys.
func newTransport(i int) (*libp2p.Transport, error) {
	return libp2p.New(libp2p.Config{
		Key:        libp2p.KeyFromSeed(fmt.Sprint("dht-side-by-side-", i)),
		Transports: []libp2p.Kind{libp2p.TCP},
	})
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ourCluster runs package dht's Node over transport/libp2p, with the fast
// maintenance of the SDK's own BenchmarkRealLookup and otherwise the
// defaults (iterative lookups, k = 3 replicas, Get reads the owner's copy).
type ourCluster struct {
	nodes      []*ours.Node
	transports []*libp2p.Transport
}

func startOurs(ctx context.Context, n int, settle time.Duration) (cluster, error) {
	cfg := ours.PeerConfig{
		StabilizeInterval:  200 * time.Millisecond,
		CheckPredInterval:  200 * time.Millisecond,
		FixFingersInterval: 100 * time.Millisecond,
	}
	c := &ourCluster{}
	for i := range n {
		tr, err := newTransport(i)
		if err != nil {
			return nil, errors.Join(err, c.close())
		}
		c.transports = append(c.transports, tr)
		nd, err := ours.NewNode(ours.NodeConfig{PeerConfig: cfg, Transport: tr, Listen: "/ip4/127.0.0.1/tcp/0"})
		if err != nil {
			return nil, errors.Join(err, c.close())
		}
		c.nodes = append(c.nodes, nd)
		var boot []transport.Addr
		if i > 0 {
			boot = append(boot, c.nodes[0].Addr())
		}
		if err := nd.Join(ctx, boot...); err != nil {
			return nil, errors.Join(fmt.Errorf("ours: node %d joins: %w", i, err), c.close())
		}
	}
	if err := sleep(ctx, settle); err != nil {
		return nil, errors.Join(err, c.close())
	}
	return c, nil
}

func (c *ourCluster) size() int { return len(c.nodes) }

func (c *ourCluster) put(ctx context.Context, node int, key string, value []byte) error {
	return c.nodes[node].Put(ctx, []byte(key), value)
}

func (c *ourCluster) get(ctx context.Context, node int, key string) ([]byte, error) {
	return c.nodes[node].Get(ctx, []byte(key))
}

func (c *ourCluster) lookup(ctx context.Context, node int, key string) (int, error) {
	r, err := c.nodes[node].Lookup(ctx, []byte(key))
	return r.Hops, err
}

func (c *ourCluster) close() error {
	var errs []error
	for _, nd := range c.nodes {
		errs = append(errs, nd.Close())
	}
	for _, tr := range c.transports {
		errs = append(errs, tr.Close())
	}
	return errors.Join(errs...)
}

// kadNamespace is the record namespace of the benchmark's values: kad-dht
// keys are "/v/<key>".
const kadNamespace = "v"

// anyValue is the record validator of the kad-dht side: every value is
// valid and the first of several candidates wins (the benchmark writes
// each key once).
type anyValue struct{}

func (anyValue) Validate(string, []byte) error        { return nil }
func (anyValue) Select(string, [][]byte) (int, error) { return 0, nil }

// kadCluster runs go-libp2p-kad-dht in server mode on the same hosts,
// under its own protocol prefix (the Amino prefix /ipfs only accepts its
// pk and ipns validators), with its defaults otherwise: bucket size 20,
// alpha 10, GetValue without a quorum option.
type kadCluster struct {
	dhts       []*kad.IpfsDHT
	transports []*libp2p.Transport
}

func startKad(ctx context.Context, n int, settle time.Duration) (cluster, error) {
	c := &kadCluster{}
	var first peer.AddrInfo
	for i := range n {
		tr, err := newTransport(i)
		if err != nil {
			return nil, errors.Join(err, c.close())
		}
		c.transports = append(c.transports, tr)
		// The listener only makes the host listen; kad-dht opens its own
		// streams on the host, so the adapter's listener accepts none.
		if _, err := tr.Listen("/ip4/127.0.0.1/tcp/0"); err != nil {
			return nil, errors.Join(err, c.close())
		}
		h := tr.Host()
		opts := []kad.Option{
			kad.Mode(kad.ModeServer),
			kad.ProtocolPrefix("/networkutopia-bench"),
			kad.Validator(record.NamespacedValidator{kadNamespace: anyValue{}}),
		}
		if i > 0 {
			opts = append(opts, kad.BootstrapPeers(first))
		}
		d, err := kad.New(h, opts...)
		if err != nil {
			return nil, errors.Join(err, c.close())
		}
		c.dhts = append(c.dhts, d)
		if i == 0 {
			first = peer.AddrInfo{ID: h.ID(), Addrs: h.Addrs()}
			continue
		}
		if err := h.Connect(ctx, first); err != nil {
			return nil, errors.Join(fmt.Errorf("kad: node %d connects: %w", i, err), c.close())
		}
	}
	// Every node fills its routing table through lookups of its own
	// buckets, as kad-dht does at start-up once it knows a peer: it knows
	// one once identify has told it the peer speaks the DHT protocol.
	for i, d := range c.dhts {
		for d.RoutingTable().Size() == 0 && n > 1 {
			if err := sleep(ctx, 10*time.Millisecond); err != nil {
				return nil, errors.Join(fmt.Errorf("kad: node %d knows no peer: %w", i, err), c.close())
			}
		}
		select {
		case err := <-d.RefreshRoutingTable():
			if err != nil {
				return nil, errors.Join(fmt.Errorf("kad: node %d refreshes: %w", i, err), c.close())
			}
		case <-ctx.Done():
			return nil, errors.Join(ctx.Err(), c.close())
		}
	}
	if err := sleep(ctx, settle); err != nil {
		return nil, errors.Join(err, c.close())
	}
	return c, nil
}

func kadKey(key string) string { return "/" + kadNamespace + "/" + key }

func (c *kadCluster) size() int { return len(c.dhts) }

func (c *kadCluster) put(ctx context.Context, node int, key string, value []byte) error {
	return c.dhts[node].PutValue(ctx, kadKey(key), value)
}

func (c *kadCluster) get(ctx context.Context, node int, key string) ([]byte, error) {
	return c.dhts[node].GetValue(ctx, kadKey(key))
}

func (c *kadCluster) lookup(ctx context.Context, node int, key string) (int, error) {
	_, err := c.dhts[node].GetClosestPeers(ctx, kadKey(key))
	return -1, err
}

func (c *kadCluster) close() error {
	var errs []error
	for _, d := range c.dhts {
		errs = append(errs, d.Close())
	}
	for _, tr := range c.transports {
		errs = append(errs, tr.Close())
	}
	return errors.Join(errs...)
}
