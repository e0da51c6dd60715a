package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/networkutopia/p2p/dnsx"
)

// This file is the DNSSEC side of the command: -mode sign signs master
// files as dnssec-signzone does, -dnssec signs the hierarchy and writes
// its trust anchor, -trust-anchor makes the resolver validate.

// readTrustAnchors reads DS or DNSKEY records, one per line (comments
// with ';'), as Unbound's trust-anchor-file holds them.
func readTrustAnchors(path string) ([]dnsx.RR, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []dnsx.RR
	for line := range strings.Lines(string(b)) {
		if l := strings.TrimSpace(line); l == "" || strings.HasPrefix(l, ";") {
			continue
		}
		rr, err := dnsx.ParseRR(line)
		if err != nil {
			return nil, fmt.Errorf("trust anchor %s: %w", path, err)
		}
		out = append(out, rr)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("trust anchor %s holds no record", path)
	}
	return out, nil
}

// zoneKeys returns the keys of origin in dir (BIND's K<origin>+*.private
// files), generating a key-signing and a zone-signing key there if it
// has none.
func zoneKeys(dir, origin string) ([]*dnsx.Key, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "K"+origin+"+*.private"))
	if err != nil {
		return nil, err
	}
	var keys []*dnsx.Key
	for _, m := range matches {
		k, err := dnsx.ReadKeyFiles(m)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if len(keys) > 0 {
		return keys, nil
	}
	for _, flags := range []uint16{dnsx.FlagZoneKey | dnsx.FlagSEP, dnsx.FlagZoneKey} {
		k, err := dnsx.GenerateKey(origin, dnsx.AlgorithmECDSAP256SHA256, flags)
		if err != nil {
			return nil, err
		}
		if _, err := k.WriteFiles(dir); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// signFiles signs each master file (its origin from its name, as in auth
// mode) with the keys in keysDir into FILE.signed, and prints the DS
// records the parent needs.
func signFiles(w io.Writer, files []string, keysDir string, nsec3 bool) error {
	if len(files) == 0 {
		return fmt.Errorf("sign: give at least one master file")
	}
	for _, f := range files {
		origin, err := dnsx.CanonicalName(originOf(f))
		if err != nil {
			return err
		}
		z, err := dnsx.LoadZone(f, origin)
		if err != nil {
			return err
		}
		keys, err := zoneKeys(keysDir, origin)
		if err != nil {
			return err
		}
		signed, err := dnsx.SignZone(z, dnsx.SignConfig{Keys: keys, NSEC3: nsec3})
		if err != nil {
			return err
		}
		out, err := os.Create(f + ".signed")
		if err != nil {
			return err
		}
		_, werr := signed.WriteTo(out)
		if err := out.Close(); werr == nil {
			werr = err
		}
		if werr != nil {
			return werr
		}
		fmt.Fprintf(w, "signed %s: %d records in %s\n", origin, signed.Len(), f+".signed")
		for _, k := range keys {
			if k.DNSKEY.Flags&dnsx.FlagSEP != 0 {
				fmt.Fprintln(w, k.DS(3600))
			}
		}
	}
	return nil
}
