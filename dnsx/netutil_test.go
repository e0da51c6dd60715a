package dnsx

import (
	"io"
	"net"
	"net/netip"
)

func netDialTCP(ap netip.AddrPort) (net.Conn, error) { return net.Dial("tcp", ap.String()) }

func ioReadFull(r io.Reader, b []byte) (int, error) { return io.ReadFull(r, b) }

type netipPrefix = netip.Prefix

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
