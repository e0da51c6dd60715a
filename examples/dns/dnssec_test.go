package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/internal/testutil"
)

// -mode sign signs a master file with keys it makes (BIND's files), and
// signs again with the same keys.
func TestSignMode(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("../../dnsx/testdata/networkutopia.com.zone")
	require.NoError(t, err)
	file := filepath.Join(dir, "networkutopia.com.zone")
	require.NoError(t, os.WriteFile(file, src, 0o644))
	var out bytes.Buffer
	require.NoError(t, signFiles(&out, []string{file}, dir, true))
	require.Contains(t, out.String(), "networkutopia.com.\t3600\tIN\tDS\t")
	z, err := dnsx.LoadZone(file+".signed", "networkutopia.com.")
	require.NoError(t, err)
	require.True(t, z.Signed())
	keys, _ := filepath.Glob(filepath.Join(dir, "K*.private"))
	require.Len(t, keys, 2)
	out.Reset()
	require.NoError(t, signFiles(&out, []string{file}, dir, false))
	keys, _ = filepath.Glob(filepath.Join(dir, "K*.private"))
	require.Len(t, keys, 2, "the same keys again")
}

// -mode hierarchy -dnssec writes the root's trust anchor, which
// readTrustAnchors reads back.
func TestServeSignedHierarchy(t *testing.T) {
	port := uint16(testutil.FreeUDPPort(t))
	anchor := filepath.Join(t.TempDir(), "root.key")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveHierarchy(ctx, port, true, false, anchor) }()
	require.Eventually(t, func() bool {
		rrs, err := readTrustAnchors(anchor)
		return err == nil && len(rrs) == 1 && rrs[0].Type() == dnsx.TypeDS
	}, 5*time.Second, 50*time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}
