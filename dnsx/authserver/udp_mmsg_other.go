//go:build !linux || !(amd64 || arm64)

package authserver

import "net"

// serveUDPFast reports false: direct recvmmsg is only wired for Linux on
// 64-bit platforms; the plain loop serves instead.
func (s *Server) serveUDPFast(*net.UDPConn) bool { return false }
