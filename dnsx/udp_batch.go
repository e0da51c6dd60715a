package dnsx

import "net"

// serveUDPBatch would serve c with batched reads and writes; it reports
// false when the plain loop must be used.
func (s *Server) serveUDPBatch(c *net.UDPConn) bool { return false }
