package dnstest

import (
	"fmt"
	"strings"
)

// NSDServerConf is the start of an nsd.conf for a test: NSD in the
// foreground of no user and no chroot, on 127.0.0.1 at port, with every
// file of its own in dir, remote control off, and each of options (such
// as "verbosity: 2" or "answer-cookie: yes") added to its server clause.
// The caller appends its key and zone clauses.
func NSDServerConf(port int, dir string, options ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `server:
	ip-address: 127.0.0.1@%d
	server-count: 1
	username: ""
	chroot: ""
	zonesdir: %q
	database: ""
	zonelistfile: "%s/zone.list"
	pidfile: "%s/nsd.pid"
	xfrdfile: "%s/xfrd.state"
	xfrdir: %q
	logfile: "%s/nsd.log"
`, port, dir, dir, dir, dir, dir, dir)
	for _, o := range options {
		fmt.Fprintf(&b, "\t%s\n", o)
	}
	b.WriteString("remote-control:\n\tcontrol-enable: no\n")
	return b.String()
}
