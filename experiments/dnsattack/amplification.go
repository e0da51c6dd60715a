package dnsattack

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// AmplificationConfig configures [Amplification]. Zero fields take the
// defaults.
type AmplificationConfig struct {
	Seed uint64
	// Rate is the attacker's spoofed queries per second. Default 1000.
	Rate int
	// Duration of the attack. Default 10 s.
	Duration time.Duration
	// RRL is the rate limit of the "with RRL" row. Default 5 responses
	// per second, slip 2.
	RRL authserver.RRLConfig
}

// Validate reports the first invalid field, wrapping ErrBadConfig.
func (cfg AmplificationConfig) Validate() error {
	switch {
	case cfg.Rate < 0:
		return fmt.Errorf("%w: AmplificationConfig.Rate is negative", ErrBadConfig)
	case cfg.Duration < 0:
		return fmt.Errorf("%w: AmplificationConfig.Duration is negative", ErrBadConfig)
	}
	return nil
}

// AmplificationRow is one run: the bytes the attacker sent and the bytes
// that reached the victim.
type AmplificationRow struct {
	RRL           bool
	Queries       int
	BytesIn       uint64 // sent by the attacker (with 28 bytes of UDP/IP each)
	BytesToVictim uint64 // received by the victim
}

// Factor is bytes to the victim per byte the attacker sent.
func (r AmplificationRow) Factor() float64 {
	return float64(r.BytesToVictim) / float64(max(r.BytesIn, 1))
}

// AmplificationResult is the outcome of [Amplification].
type AmplificationResult struct{ Rows []AmplificationRow }

// String renders the result as a table.
func (r AmplificationResult) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-8s %8s %12s %16s %14s\n", "RRL", "queries", "bytes in", "bytes to victim", "amplification")
	for _, row := range r.Rows {
		fmt.Fprintf(&sb, "%-8v %8d %12d %16d %13.2fx\n", row.RRL, row.Queries, row.BytesIn, row.BytesToVictim, row.Factor())
	}
	return sb.String()
}

// victim counts what it receives and does nothing else.
type victim struct{}

func (victim) Receive(transport.Conn, transport.Message) {}

// Amplification measures DNS as a DDoS amplifier: an attacker sends small
// queries for a large record with the victim's address as their source;
// the authoritative server's answers flood the victim. Without response
// rate limiting every answer goes out (about 20 times the attacker's
// bytes); with RRL the server sends a few answers per second and, every
// Slip-th time, a small truncated reply, so less reaches the victim than
// the attacker spent.
func Amplification(cfg AmplificationConfig) (AmplificationResult, error) {
	if err := cfg.Validate(); err != nil {
		return AmplificationResult{}, err
	}
	cfg.Rate = cmp.Or(cfg.Rate, 1000)
	cfg.Duration = cmp.Or(cfg.Duration, 10*time.Second)
	if cfg.RRL.ResponsesPerSecond == 0 {
		cfg.RRL = authserver.RRLConfig{ResponsesPerSecond: 5, Slip: 2}
	}
	var res AmplificationResult
	for _, rrl := range []bool{false, true} {
		row, err := amplifyOnce(cfg, rrl)
		if err != nil {
			return res, err
		}
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

func amplifyOnce(cfg AmplificationConfig, withRRL bool) (AmplificationRow, error) {
	row := AmplificationRow{RRL: withRRL}
	w, err := newWorld(cfg.Seed, 20*time.Millisecond)
	if err != nil {
		return row, err
	}
	big := make([]string, 4)
	for i := range big {
		big[i] = `"` + strings.Repeat(string(rune('a'+i)), 240) + `"`
	}
	z := zone("bank.com.",
		"bank.com. 3600 IN SOA ns.bank.com. hostmaster.bank.com. 1 7200 900 1209600 300",
		"bank.com. 3600 IN NS ns.bank.com.",
		"ns.bank.com. 3600 IN A "+bankIP.String(),
		"big.bank.com. 3600 IN TXT "+strings.Join(big, " "),
	)
	scfg := authserver.Config{Zones: []*dnsx.Zone{z}, RRL: authserver.RRLConfig{Disabled: true}}
	if withRRL {
		scfg.RRL = cfg.RRL
	}
	server, _, err := w.addServer(bankIP, scfg, sim.Capacity{})
	if err != nil {
		return row, err
	}
	target := w.addNode(func(transport.Env) transport.Handler { return victim{} }, sim.Capacity{})
	q := dnsx.NewQuery(1, "big.bank.com", dnsx.TypeTXT)
	q.UDPSize = 4096
	raw, err := q.Pack()
	if err != nil {
		return row, err
	}
	every := time.Second / time.Duration(cfg.Rate)
	n := int(cfg.Duration / every)
	for i := range n {
		b := append(transport.Bytes(nil), raw...)
		b[0], b[1] = byte(i>>8), byte(i)
		w.net.AfterFunc(time.Duration(i)*every, func() {
			w.net.Inject(target, server, b) //nolint:errcheck // both addresses exist
		})
	}
	w.net.Run(cfg.Duration + time.Second)
	st, err := w.net.NodeStats(target)
	if err != nil {
		return row, err
	}
	row.Queries = n
	row.BytesIn = uint64(n * (len(raw) + 28))
	row.BytesToVictim = st.BytesReceived
	return row, nil
}
