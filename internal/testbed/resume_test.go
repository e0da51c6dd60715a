package testbed_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testbed"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/stretchr/testify/require"
)

// announced connects to a peer as a bare BitTorrent peer (no extension
// bits, so it sends a Bitfield, not HaveAll) and returns the pieces it
// says it has: its Bitfield and the Haves that follow within a second.
func announced(t *testing.T, addr netip.AddrPort, mi *metainfo.MetaInfo) map[int]bool {
	t.Helper()
	var c net.Conn
	require.Eventually(t, func() bool {
		var err error
		c, err = net.DialTimeout("tcp", addr.String(), time.Second)
		return err == nil
	}, 20*time.Second, 50*time.Millisecond, "the leecher does not accept peers")
	defer c.Close()
	_, err := c.Write(wire.AppendHandshake(nil, wire.Handshake{InfoHash: mi.InfoHash, PeerID: wire.NewPeerID()}))
	require.NoError(t, err)
	r := bufio.NewReader(c)
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	hs := make([]byte, wire.HandshakeLen)
	_, err = io.ReadFull(r, hs)
	require.NoError(t, err)
	_, err = wire.ParseHandshake(hs)
	require.NoError(t, err)
	have := map[int]bool{}
	_ = c.SetDeadline(time.Now().Add(time.Second))
	for {
		var n uint32
		if err := binary.Read(r, binary.BigEndian, &n); err != nil {
			var ne net.Error
			require.True(t, errors.As(err, &ne) && ne.Timeout() || errors.Is(err, io.EOF), "reading from the leecher: %v", err)
			return have
		}
		require.LessOrEqual(t, n, uint32(1<<20))
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return have
		}
		m, err := wire.Parse(body)
		require.NoError(t, err)
		switch m := m.(type) {
		case wire.Bitfield:
			for i := range mi.Info.NumPieces() {
				if m.Has(i) {
					have[i] = true
				}
			}
		case wire.Have:
			have[int(m.Index)] = true
		}
	}
}

// onDisk returns the pieces of mi whose bytes in dir are genuine.
func onDisk(t *testing.T, dir string, mi *metainfo.MetaInfo) map[int]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, mi.Info.Name))
	if errors.Is(err, os.ErrNotExist) {
		return map[int]bool{}
	}
	require.NoError(t, err)
	ok := map[int]bool{}
	for i := range mi.Info.NumPieces() {
		lo := int64(i) * mi.Info.PieceLength
		hi := lo + mi.Info.PieceSize(i)
		if hi <= int64(len(b)) && metainfo.HashPiece(b[lo:hi]) == mi.Info.Pieces[i] {
			ok[i] = true
		}
	}
	return ok
}

// TestSwarmResumesAfterSIGKILL downloads 16 MiB from a seed through a
// relay that throttles to 2 MiB/s, delays and stalls, and kills the
// downloader with SIGKILL at random points (at start, while it checks the
// files, mid-piece, mid-write), restarting it on the same directory each
// time. After every restart it announces exactly the pieces that are
// genuinely on disk, none unverified and none lost, and hashes no more
// than those and the few it was writing when it died (there is no
// fast-resume data: the files are checked, holes skipped unread). The
// last run completes with the seed's bytes.
func TestSwarmResumesAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a download, about twenty seconds")
	}
	start := time.Now()
	bed := testbed.New(t)
	bin := testbed.Build(t, swarmCmd)
	hs := bed.AddHosts(2)
	work := t.TempDir()
	tf, mi, content := seedFile(t, filepath.Join(work, "seed"), "blob.bin", 16<<20, 64<<10, "")
	seed := hs[0].Start("seed", bin, "seed", "-torrent", tf, "-dir", filepath.Join(work, "seed"), "-listen", fmt.Sprintf("/ip4/%s/tcp/6881", hs[0].IP))
	seed.Expect("seed blob.bin", 30*time.Second)
	relay := bed.Relay(netip.AddrPortFrom(hs[0].IP, 6881), testbed.Impairment{Delay: 2 * time.Millisecond, Loss: 0.02, Stall: 50 * time.Millisecond, Rate: 2 << 20})

	dir := filepath.Join(work, "leech")
	holes := reportsHoles(t, work)
	leecher := netip.AddrPortFrom(hs[1].IP, 6881)
	seedN := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seedN, 19))
	t.Logf("seed %d", seedN)
	const kills = 5
	for round := 0; ; round++ {
		before := onDisk(t, dir, mi)
		l := hs[1].Start(fmt.Sprint("leecher", round), bin, "download", "-seed-time=-1s", "-torrent", tf, "-dir", dir,
			"-listen", fmt.Sprintf("/ip4/%s/tcp/6881", hs[1].IP), "-peer", relay.Addr().String())
		if round > 0 && round < kills && rng.IntN(3) == 0 {
			l.Kill() // while it checks the files, or before
			t.Logf("round %d: killed at start", round)
			continue
		}
		if round > 0 && len(before) > 0 {
			line := l.Expect("found ", 60*time.Second)
			var found, total, hashed int
			_, err := fmt.Sscanf(line, "found %d of %d pieces in "+dir+" (%d hashed)", &found, &total, &hashed)
			require.NoError(t, err, "line %q", line)
			t.Logf("round %d: %d genuine pieces on disk, found %d, hashed %d", round, len(before), found, hashed)
			require.Equal(t, len(before), found, "round %d: the check found other pieces than are on disk (seed %d)", round, seedN)
			if holes {
				require.LessOrEqual(t, hashed, found+4, "round %d: hashed far more pieces than were written (seed %d)", round, seedN)
			}
		}
		l.Expect("download blob.bin", 60*time.Second)
		have := announced(t, leecher, mi)
		genuine := onDisk(t, dir, mi)
		for i := range have {
			require.True(t, genuine[i], "round %d: piece %d announced but not on disk (seed %d)", round, i, seedN)
		}
		for i := range before {
			require.True(t, have[i], "round %d: piece %d was on disk but is not announced (seed %d)", round, i, seedN)
		}
		if round == kills {
			l.Expect("done; seeding", 120*time.Second)
			break
		}
		time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
		l.Kill()
	}
	got, err := os.ReadFile(filepath.Join(dir, "blob.bin"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(content, got), "the resumed download differs from the seed's file")
	t.Logf("resumed %d times and completed in %v", kills, time.Since(start).Round(time.Millisecond))
}

// reportsHoles reports whether dir's filesystem tells holes from data
// (lseek SEEK_HOLE), without which a check must hash every piece.
func reportsHoles(t *testing.T, dir string) bool {
	f, err := os.Create(filepath.Join(dir, "sparse"))
	require.NoError(t, err)
	defer os.Remove(f.Name())
	defer f.Close()
	require.NoError(t, f.Truncate(1<<20))
	const seekHole = 4
	at, err := f.Seek(0, seekHole)
	if err != nil || at != 0 {
		t.Logf("%s reports no holes: every piece below a file's end is hashed", dir)
		return false
	}
	return true
}
