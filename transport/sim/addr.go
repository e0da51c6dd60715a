package sim

import (
	"fmt"
	"strconv"

	"github.com/networkutopia/p2p/transport"
)

// Simulator addresses are short [transport.Addr] strings:
//
//	/sim/42      node 42's own address (nodes are numbered from 0 in the
//	             order they were added; a number is never reused)
//	/sim/42/7    extra endpoint 7 of node 42, opened with Env.Bind
//	             (endpoint numbers start at 1 and are never reused by a node)
//
// Only the canonical form is accepted (no leading zeros, no trailing slash),
// so two equal nodes always have equal Addr strings. The simulator turns an
// address into its node number by parsing it, never through a map.
const addrPrefix = "/sim/"

// maxIndex bounds node and endpoint numbers so that they fit an int32/uint32.
const maxIndex = 1<<31 - 1

// NodeAddr returns the address of node i ("/sim/i").
func NodeAddr(i int) transport.Addr {
	return transport.Addr(addrPrefix + strconv.Itoa(i))
}

// EndpointAddr returns the address of endpoint port of node i ("/sim/i/port").
func EndpointAddr(i, port int) transport.Addr {
	return transport.Addr(addrPrefix + strconv.Itoa(i) + "/" + strconv.Itoa(port))
}

// ParseAddr splits a simulator address into its node number and endpoint
// (0 for the node's own address). Anything else is an error wrapping
// [transport.ErrBadAddr].
func ParseAddr(a transport.Addr) (node, port int, err error) {
	n, p, ok := parseAddr(a)
	if !ok {
		return 0, 0, fmt.Errorf("%w: %q is not /sim/NODE or /sim/NODE/PORT", transport.ErrBadAddr, a)
	}
	return int(n), int(p), nil
}

// parseAddr is the allocation-free parser behind ParseAddr, on the hot path
// of every Send.
func parseAddr(a transport.Addr) (node int32, port uint32, ok bool) {
	s := string(a)
	if len(s) <= len(addrPrefix) || s[:len(addrPrefix)] != addrPrefix {
		return 0, 0, false
	}
	n, i, ok := parseNumber(s, len(addrPrefix))
	if !ok {
		return 0, 0, false
	}
	if i == len(s) {
		return int32(n), 0, true
	}
	if s[i] != '/' {
		return 0, 0, false
	}
	p, j, ok := parseNumber(s, i+1)
	if !ok || j != len(s) || p == 0 {
		return 0, 0, false
	}
	return int32(n), uint32(p), true
}

// parseNumber reads a canonical decimal number of at most maxIndex at s[i:]
// and returns it with the index after it.
func parseNumber(s string, i int) (n uint64, next int, ok bool) {
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + uint64(s[i]-'0')
		if n > maxIndex {
			return 0, 0, false
		}
		i++
	}
	if i == start || (s[start] == '0' && i-start > 1) {
		return 0, 0, false
	}
	return n, i, true
}
