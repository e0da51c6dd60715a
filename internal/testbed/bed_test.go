package testbed_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testbed"
	"github.com/stretchr/testify/require"
)

// echoArg, followed by an address, makes the test binary an echo server
// on that address (see TestMain): the process the testbed tests start in
// a namespace.
const echoArg = "-testbed-echo"

// echo serves TCP echo on addr and prints "listening ADDR".
func echo(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("listening", ln.Addr())
	for {
		c, err := ln.Accept()
		if err != nil {
			os.Exit(1)
		}
		go func() { _, _ = io.Copy(c, c); c.Close() }()
	}
}

// startEcho starts an echo server on h, port 7000.
func startEcho(t *testing.T, h *testbed.Host) (*testbed.Proc, netip.AddrPort) {
	addr := netip.AddrPortFrom(h.IP, 7000)
	p := h.Start("echo", os.Args[0], echoArg, addr.String())
	p.Expect("listening", 10*time.Second)
	return p, addr
}

// roundTrip sends a line to addr and reads it back, within timeout.
func roundTrip(addr netip.AddrPort, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr.String(), timeout)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(start.Add(timeout))
	if _, err := fmt.Fprintln(c, "ping"); err != nil {
		return 0, err
	}
	l, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(l) != "ping" {
		return 0, fmt.Errorf("echo sent %q", l)
	}
	return time.Since(start), nil
}

// The test reaches a process in a namespace; a link taken down, and a
// process stopped, answer no more until brought back; a killed process
// exits.
func TestFaults(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	h := bed.AddHost()
	p, addr := startEcho(t, h)
	_, err := roundTrip(addr, 5*time.Second)
	require.NoError(t, err)

	h.LinkDown()
	_, err = roundTrip(addr, 300*time.Millisecond)
	require.Error(t, err, "the link is down")
	h.LinkUp()
	require.Eventually(t, func() bool { _, err := roundTrip(addr, time.Second); return err == nil }, 10*time.Second, 50*time.Millisecond)

	p.Stop()
	_, err = roundTrip(addr, 300*time.Millisecond)
	require.Error(t, err, "the process is stopped")
	p.Cont()
	_, err = roundTrip(addr, 5*time.Second)
	require.NoError(t, err)

	p.Kill()
	select {
	case <-p.Exited():
	default:
		t.Fatal("killed, not exited")
	}
	_, err = roundTrip(addr, time.Second)
	require.Error(t, err)
}

// Hosts of one bed reach each other, and two beds side by side have
// their own names and networks.
func TestBedsSideBySide(t *testing.T) {
	t.Parallel()
	a, b := testbed.New(t), testbed.New(t)
	require.NotEqual(t, a.IP(), b.IP())
	ha := a.AddHosts(2)
	hb := b.AddHost()
	require.NotEqual(t, ha[0].Name, hb.Name)
	_, addr := startEcho(t, ha[1])
	_, err := roundTrip(addr, 5*time.Second)
	require.NoError(t, err)
	_, addr = startEcho(t, hb)
	_, err = roundTrip(addr, 5*time.Second)
	require.NoError(t, err)
}

// A relay delays, stalls for loss, freezes and throttles what it
// forwards.
func TestRelay(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	_, addr := startEcho(t, bed.AddHost())
	r := bed.Relay(addr, testbed.Impairment{Delay: 100 * time.Millisecond})
	d, err := roundTrip(r.Addr(), 5*time.Second)
	require.NoError(t, err)
	require.GreaterOrEqual(t, d, 200*time.Millisecond, "100 ms each way")

	r.Set(testbed.Impairment{Loss: 1, Stall: 150 * time.Millisecond})
	d, err = roundTrip(r.Addr(), 5*time.Second)
	require.NoError(t, err)
	require.GreaterOrEqual(t, d, 300*time.Millisecond, "every chunk lost once, each way")

	r.Set(testbed.Impairment{})
	r.Freeze()
	_, err = roundTrip(r.Addr(), 300*time.Millisecond)
	require.Error(t, err, "frozen")
	r.Thaw()
	_, err = roundTrip(r.Addr(), 5*time.Second)
	require.NoError(t, err)

	r.FreezeAt(r.ToClient() + 3)
	c, err := net.Dial("tcp", r.Addr().String())
	require.NoError(t, err)
	_, err = c.Write([]byte("abcdef"))
	require.NoError(t, err)
	got := make([]byte, 3)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	require.Equal(t, "abc", string(got), "forwarded up to the mark")
	require.Eventually(t, r.Frozen, 5*time.Second, 10*time.Millisecond)
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	_, err = c.Read(got)
	require.Error(t, err, "frozen at the mark")
	r.Thaw()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	require.Equal(t, "def", string(got))
	c.Close()

	r.Set(testbed.Impairment{Rate: 64 << 10})
	c, err = net.Dial("tcp", r.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	start := time.Now()
	go func() { _, _ = c.Write(make([]byte, 64<<10)) }()
	_, err = io.ReadFull(c, make([]byte, 64<<10))
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "64 KiB at 64 KiB/s")
	require.Eventually(t, func() bool { return r.ToClient() >= 64<<10 }, 5*time.Second, 10*time.Millisecond)
}
