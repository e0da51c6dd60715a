//go:build !linux

package utp

import "net/netip"

// routeMTU: only Linux is asked; elsewhere probing stays within the
// Ethernet MTU.
func routeMTU(netip.AddrPort) int { return 0 }

// writeFragmenting sends b; the system's default fragments as needed.
func (s *Socket) writeFragmenting(b []byte, p peer) error { return s.write(b, p) }
