package dnsx

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// DefaultMaxZoneRecords bounds the records ParseZone and zone transfers
// accept, so that a hostile file or primary cannot exhaust memory.
const DefaultMaxZoneRecords = 1_000_000

// defaultMasterTTL is the TTL of records that name none, in a file
// without $TTL (what BIND and NSD assume too).
const defaultMasterTTL = 3600

// ParseZone reads an RFC 1035 master file and builds the zone of origin
// from it. The file may use $ORIGIN, $TTL, relative names, "@",
// parentheses across lines, comments and $GENERATE; $INCLUDE is refused.
// name labels errors with a file name. Every rule of [NewZone] applies.
func ParseZone(r io.Reader, origin, name string) (*Zone, error) {
	return parseZone(r, origin, name, DefaultMaxZoneRecords)
}

// parseZone is ParseZone with a bound on the records.
func parseZone(r io.Reader, origin, name string, limit int) (*Zone, error) {
	o, err := CanonicalName(origin)
	if err != nil {
		return nil, fmt.Errorf("%w: origin: %w", ErrBadZone, err)
	}
	rrs, err := parseMaster(r, o, name, limit)
	if err != nil {
		return nil, err
	}
	return NewZone(o, rrs)
}

// LoadZone reads the master file at path for origin (see ParseZone).
func LoadZone(path, origin string) (*Zone, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dnsx: load zone: %w", err)
	}
	defer f.Close()
	return ParseZone(bufio.NewReader(f), origin, path)
}

// parseMaster parses master-file text into canonical records, failing
// once more than limit records appear.
func parseMaster(r io.Reader, origin, file string, limit int) ([]RR, error) {
	var out []RR
	errLimit := fmt.Errorf("%w: %s: more than %d records", ErrBadZone, file, limit)
	err := wire.ParseMaster(r, origin, file, defaultMasterTTL, func(w wire.Record) error {
		if len(out) == limit {
			return errLimit
		}
		rr, err := fromRecord(w)
		if err != nil {
			return err
		}
		if rr.Type().isMeta() {
			return fmt.Errorf("%w: %s: %v records cannot be stored", ErrBadRecord, rr.Name, rr.Type())
		}
		out = append(out, rr)
		return nil
	})
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, ErrBadZone), errors.Is(err, ErrBadRecord):
		return nil, err
	}
	return nil, fmt.Errorf("%w: %w", ErrBadRecord, err)
}

// WriteTo writes the zone as an RFC 1035 master file: $ORIGIN, the SOA
// first, then every record in canonical order, owner names relative to
// the origin. ParseZone reads it back into an equal zone.
func (z *Zone) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriter(w)
	var n int64
	write := func(s string) {
		m, _ := bw.WriteString(s)
		n += int64(m)
	}
	write("$ORIGIN " + z.origin + "\n")
	for _, rr := range z.Records() {
		write(masterLine(rr, z.origin))
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("dnsx: write zone %s: %w", z.origin, err)
	}
	return n, nil
}

// masterLine formats one record for a master file whose $ORIGIN is origin.
func masterLine(rr RR, origin string) string {
	owner := relativeName(rr.Name, origin)
	var b strings.Builder
	b.WriteString(owner)
	for pad := len(owner); pad < 24; pad += 8 {
		b.WriteByte('\t')
	}
	if len(owner) >= 24 {
		b.WriteByte('\t') // a long owner (an NSEC3 hash) still needs a separator
	}
	b.WriteString(strconv.FormatUint(uint64(rr.TTL), 10))
	b.WriteString("\t")
	b.WriteString(rr.class().String())
	b.WriteString("\t")
	b.WriteString(rr.Type().String())
	b.WriteString("\t")
	b.WriteString(rr.Value())
	b.WriteString("\n")
	return b.String()
}
