package libp2p

import (
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/networkutopia/p2p/transport"
)

// SplitAddr splits a libp2p address into its network part and its peer ID:
// /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW... gives /ip4/127.0.0.1/tcp/4001
// and 12D3KooW.... An address of just /p2p/<id> has an empty network part
// (a Dial to it works while the host knows the peer's addresses). Text that
// is no multiaddr, or that does not end in a valid peer ID, is an error
// wrapping [transport.ErrBadAddr].
func SplitAddr(a transport.Addr) (network transport.Addr, id string, err error) {
	m, info, err := parseAddr(a)
	if err != nil {
		return "", "", err
	}
	if base, _ := ma.SplitLast(m); base != nil {
		network = transport.Addr(base.String())
	}
	return network, info.ID.String(), nil
}

// JoinAddr appends /p2p/<id> to a network address, checking both.
func JoinAddr(network transport.Addr, id string) (transport.Addr, error) {
	pid, err := peer.Decode(id)
	if err != nil {
		return "", fmt.Errorf("%w: peer ID %q: %w", transport.ErrBadAddr, id, err)
	}
	if network == "" {
		return transport.Addr("/p2p/" + pid.String()), nil
	}
	m, err := ma.NewMultiaddr(string(network))
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", transport.ErrBadAddr, network, err)
	}
	if _, err := peer.IDFromP2PAddr(m); err == nil {
		return "", fmt.Errorf("%w: %q already ends in a peer ID", transport.ErrBadAddr, network)
	}
	return transport.Addr(m.String() + "/p2p/" + pid.String()), nil
}

// parseAddr parses a multiaddr that ends in /p2p/<id>.
func parseAddr(a transport.Addr) (ma.Multiaddr, *peer.AddrInfo, error) {
	m, err := ma.NewMultiaddr(string(a))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %q: %w", transport.ErrBadAddr, a, err)
	}
	info, err := peer.AddrInfoFromP2pAddr(m)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %q: want a multiaddr ending in /p2p/<peer ID>: %w", transport.ErrBadAddr, a, err)
	}
	return m, info, nil
}
