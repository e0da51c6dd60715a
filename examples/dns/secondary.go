package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
)

// secondaryOptions are the secondary mode's flags.
type secondaryOptions struct {
	listen     string
	primary    string        // host:port of the primary
	zones      string        // comma-separated origins
	key        string        // TSIG key for the checks and transfers, [alg:]name:secret
	dir        string        // where the copies are kept ("": nowhere)
	minRefresh time.Duration // SecondaryConfig.MinRefresh
}

// zoneFileName is the file a zone's copy is kept in: its origin without
// the final dot, .zone ("root.zone" for the root), as originOf reads.
func zoneFileName(origin string) string {
	if origin == "." {
		return "root.zone"
	}
	return strings.TrimSuffix(origin, ".") + ".zone"
}

// serveSecondary serves copies of zones transferred from a primary (AXFR,
// then IXFR as the serial grows) until ctx ends. With a directory, each
// copy is kept there and served at once on the next start, so a restarted
// secondary answers with the serial it had while it catches up. A copy is
// written whole to a temporary file, synced and renamed over the old one:
// a secondary killed mid-transfer, or mid-write, keeps the previous
// complete copy and never serves part of a zone.
func serveSecondary(ctx context.Context, o secondaryOptions, w io.Writer) error {
	primary, err := netip.ParseAddrPort(o.primary)
	if err != nil {
		return fmt.Errorf("secondary: -primary: %w", err)
	}
	cfg := authserver.SecondaryConfig{Primary: primary, MinRefresh: o.minRefresh}
	for _, z := range strings.Split(o.zones, ",") {
		if z = strings.TrimSpace(z); z != "" {
			cfg.Zones = append(cfg.Zones, z)
		}
	}
	if len(cfg.Zones) == 0 {
		return errors.New("secondary: give the zones to copy with -zone")
	}
	if o.key != "" {
		k, err := dnsx.ParseTSIGKey(o.key)
		if err != nil {
			return fmt.Errorf("secondary: -key: %w", err)
		}
		cfg.TSIG = &k
	}
	saved := map[string]*dnsx.Zone{} // by canonical origin: the copy on disk
	var held []*dnsx.Zone
	if o.dir != "" {
		if err := os.MkdirAll(o.dir, 0o755); err != nil {
			return err
		}
		for _, z := range cfg.Zones {
			origin, err := dnsx.CanonicalName(z)
			if err != nil {
				return fmt.Errorf("secondary: -zone %q: %w", z, err)
			}
			path := filepath.Join(o.dir, zoneFileName(origin))
			zone, err := dnsx.LoadZone(path, origin)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			saved[origin], held = zone, append(held, zone)
			fmt.Fprintf(w, "loaded %s serial %d (%d records) from %s\n", origin, zone.Serial(), zone.Len(), path)
		}
	}
	s, err := authserver.NewServer(authserver.Config{Zones: held})
	if err != nil {
		return err
	}
	if err := s.Start(o.listen); err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(w, "secondary on %s for %s from %s\n", s.Addr(), strings.Join(cfg.Zones, ", "), primary)
	var sec *authserver.Secondary
	for sec == nil {
		if sec, err = authserver.NewSecondary(ctx, s, cfg); err != nil {
			fmt.Fprintf(w, "first refresh failed, retrying: %v\n", err)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(max(o.minRefresh, time.Second)):
			}
		}
	}
	defer sec.Close()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, z := range cfg.Zones {
			origin, _ := dnsx.CanonicalName(z)
			zone := s.Zone(origin)
			if zone == nil || zone == saved[origin] {
				continue
			}
			if o.dir != "" {
				if err := saveZone(o.dir, zone); err != nil {
					return err
				}
			}
			saved[origin] = zone
			fmt.Fprintf(w, "transferred %s serial %d (%d records)\n", origin, zone.Serial(), zone.Len())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// saveZone writes zone to dir as a master file, replacing the old copy
// only once the new one is whole and synced.
func saveZone(dir string, zone *dnsx.Zone) error {
	path := filepath.Join(dir, zoneFileName(zone.Origin()))
	tmp, err := os.CreateTemp(dir, ".transfer-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing left to remove
	_, err = zone.WriteTo(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if e := tmp.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("secondary: saving %s: %w", zone.Origin(), err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename itself durable
		_ = d.Sync()
		d.Close()
	}
	return nil
}
