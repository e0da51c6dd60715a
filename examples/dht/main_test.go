package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSimExperiment(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), config{mode: "sim", maxExp: 6, lookups: 100}, nil, &out))
	require.Contains(t, out.String(), "      64 ")
	require.Contains(t, out.String(), "100.0%")
	if !testing.Short() {
		out.Reset()
		require.NoError(t, run(context.Background(), config{mode: "sim", maxExp: 4, lookups: 10, churn: true}, nil, &out))
		require.Contains(t, out.String(), "keys lost: 0/500")
	}
}

// TestSimExperimentKademlia: the same experiment on Kademlia, through
// dht.DHT.
func TestSimExperimentKademlia(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), config{mode: "sim", protocol: "kademlia", maxExp: 6, lookups: 100}, nil, &out))
	require.Contains(t, out.String(), "kademlia: lookup hops")
	require.Contains(t, out.String(), "      64 ")
	require.Contains(t, out.String(), "100.0%")
}

// TestKademliaNodeCommands: two Kademlia nodes in one process serve put,
// get and lookup; Chord's own commands are refused.
func TestKademliaNodeCommands(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 2)
	procs := inProcess(t, ctx, 2, config{mode: "node", protocol: "kademlia", listen: "/ip4/127.0.0.1/tcp/0", transport: "tcp"}, errs)
	require.Equal(t, "ok", procs[0].do(t, "put alice 10.0.0.7"))
	require.Equal(t, "value 10.0.0.7", procs[1].do(t, "get alice"))
	require.Contains(t, procs[1].do(t, "lookup alice"), "node ")
	require.Contains(t, procs[1].do(t, "state"), "Chord only")
	cancel()
	for _, p := range procs {
		p.in.Close()
	}
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
}

func TestBadFlags(t *testing.T) {
	for _, c := range []config{{mode: "relay"}, {mode: "sim", maxExp: 30}, {mode: "node", transport: "carrier-pigeon", listen: "/ip4/127.0.0.1/tcp/0"},
		{mode: "sim", protocol: "pastry", maxExp: 6}, {mode: "node", protocol: "pastry"}} {
		require.Error(t, run(context.Background(), c, strings.NewReader(""), io.Discard))
	}
}

// proc is one node process (or goroutine) driven through its stdin/stdout.
type proc struct {
	in    io.WriteCloser
	lines chan string
	cmd   *exec.Cmd
	addr  string
}

func (p *proc) do(t *testing.T, line string) string {
	t.Helper()
	_, err := fmt.Fprintln(p.in, line)
	require.NoError(t, err)
	select {
	case out := <-p.lines:
		return out
	case <-time.After(20 * time.Second):
		t.Fatalf("no answer to %q", line)
		return ""
	}
}

func readLines(r io.Reader) chan string {
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}

// first waits for the "listening ADDR id ID" line.
func (p *proc) first(t *testing.T) {
	t.Helper()
	select {
	case l := <-p.lines:
		f := strings.Fields(l)
		require.True(t, len(f) >= 2 && f[0] == "listening", "got %q", l)
		p.addr = f[1]
	case <-time.After(30 * time.Second):
		t.Fatal("node did not start")
	}
}

// inProcess runs n nodes of cfg in this process, the others joined
// through the first; each one's run result goes to errs.
func inProcess(t *testing.T, ctx context.Context, n int, cfg config, errs chan<- error) []*proc {
	var procs []*proc
	for i := range n {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		p := &proc{in: inW, lines: readLines(outR)}
		c := cfg
		if i > 0 {
			c.bootstrap = procs[0].addr
		}
		go func() {
			errs <- run(ctx, c, inR, outW)
			outW.Close()
		}()
		p.first(t)
		procs = append(procs, p)
	}
	return procs
}

func TestNodeCommandsInProcess(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 3)
	procs := inProcess(t, ctx, 3, config{mode: "node", listen: "/ip4/127.0.0.1/tcp/0", transport: "tcp", interval: 100 * time.Millisecond}, errs)
	require.Equal(t, "ok", procs[0].do(t, "put alice 10.0.0.7"))
	require.Equal(t, "value 10.0.0.7", procs[2].do(t, "get alice"))
	require.Contains(t, procs[1].do(t, "lookup alice"), "owner ")
	require.Contains(t, procs[1].do(t, "state"), "successors")
	require.Contains(t, procs[1].do(t, "fly"), "error unknown command")
	require.Equal(t, "ok", procs[1].do(t, "delete alice"))
	require.Contains(t, procs[0].do(t, "get alice"), "key not found")
	require.Equal(t, "ok", procs[2].do(t, "leave"))
	require.NoError(t, <-errs)
	cancel()
	for _, p := range procs {
		p.in.Close()
	}
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
}

// A node run with -metrics serves its counters on /metrics.
func TestNodeServesMetrics(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	p := &proc{in: inW, lines: readLines(outR)}
	errs := make(chan error, 1)
	cfg := config{mode: "node", listen: "/ip4/127.0.0.1/tcp/0", transport: "tcp", interval: 100 * time.Millisecond, metrics: "127.0.0.1:0"}
	go func() {
		errs <- run(ctx, cfg, inR, outW)
		outW.Close()
	}()
	p.first(t)
	var url string
	select {
	case l := <-p.lines:
		_, ok := strings.CutPrefix(l, "metrics on ")
		require.True(t, ok, "got %q", l)
		url = strings.TrimPrefix(l, "metrics on ")
	case <-time.After(10 * time.Second):
		t.Fatal("no metrics line")
	}
	require.Equal(t, "ok", p.do(t, "put alice 10.0.0.7"))
	resp, err := http.Get(url)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Contains(t, string(body), `p2p_dht_joined{addr="`+p.addr+`"} 1`)
	require.Contains(t, string(body), `p2p_dht_puts_total{addr="`+p.addr+`"} 1`)
	require.Contains(t, string(body), "p2p_transport_bytes_sent_total")
	require.Contains(t, string(body), "go_goroutines")
	cancel()
	inW.Close()
	require.NoError(t, <-errs)
}

// TestProcessesSurviveAKill starts a ring of separate processes on
// loopback, stores keys, kills one process and checks that its keys are
// still served.
func TestProcessesSurviveAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and starts processes")
	}
	bin := filepath.Join(t.TempDir(), "dht")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	for _, tr := range []string{"tcp", "libp2p"} {
		t.Run(tr, func(t *testing.T) { killOne(t, bin, tr) })
	}
}

func killOne(t *testing.T, bin, tr string) {
	var procs []*proc
	t.Cleanup(func() {
		for _, p := range procs {
			p.in.Close()
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	for i := range 5 {
		args := []string{"-mode", "node", "-transport", tr, "-listen", "/ip4/127.0.0.1/tcp/0", "-stabilize", "200ms"}
		if i > 0 {
			args = append(args, "-bootstrap", procs[0].addr)
		}
		cmd := exec.Command(bin, args...)
		in, err := cmd.StdinPipe()
		require.NoError(t, err)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		p := &proc{in: in, lines: readLines(out), cmd: cmd}
		procs = append(procs, p)
		p.first(t)
	}
	time.Sleep(time.Second) // a few stabilization rounds
	for i := range 20 {
		require.Equal(t, "ok", procs[i%5].do(t, fmt.Sprintf("put key-%d value-%d", i, i)))
	}
	victim := procs[2]
	require.NoError(t, victim.cmd.Process.Signal(syscall.SIGKILL))
	_ = victim.cmd.Wait()
	procs = append(procs[:2], procs[3:]...)
	victim.in.Close()
	time.Sleep(2 * time.Second) // noticed by the pings, replicas restored
	for i := range 20 {
		require.Equal(t, fmt.Sprintf("value value-%d", i), procs[i%4].do(t, fmt.Sprintf("get key-%d", i)), "key-%d", i)
	}
}
