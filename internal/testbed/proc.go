package testbed

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// maxLines bounds the output lines a Proc keeps (the oldest go first).
const maxLines = 4096

// Proc is a command running in a host's namespace. Its standard output
// is read line by line (a carriage return ends a line too, so progress
// bars are lines); the test reads them with Expect.
type Proc struct {
	// Name names the process in logs.
	Name string
	t    testing.TB
	cmd  *exec.Cmd
	in   io.WriteCloser
	done chan struct{} // closed once the process exited and its output was read

	mu      sync.Mutex
	lines   []string
	dropped int           // lines dropped from the front
	next    int           // Expect's cursor, counting dropped lines
	grew    chan struct{} // closed and replaced when a line arrives
	stderr  tail
}

// Start runs bin with args in the host's namespace, with the test's
// environment. The bed kills it (SIGKILL) when the test ends, and so does
// the kernel if the test binary dies first.
func (h *Host) Start(name, bin string, args ...string) *Proc {
	t := h.bed.t
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", h.Name, bin}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &Proc{Name: name, t: t, cmd: cmd, done: make(chan struct{}), grew: make(chan struct{})}
	cmd.Stderr = &p.stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("testbed: %v", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("testbed: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testbed: starting %s: %v", name, err)
	}
	p.in = in
	h.bed.mu.Lock()
	h.bed.procs = append(h.bed.procs, p)
	h.bed.mu.Unlock()
	go p.read(out)
	return p
}

// read collects the output lines, then waits for the process.
func (p *Proc) read(out io.Reader) {
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sc.Split(scanLines)
	for sc.Scan() {
		p.mu.Lock()
		p.lines = append(p.lines, sc.Text())
		if len(p.lines) > maxLines {
			p.lines = p.lines[1:]
			p.dropped++
		}
		close(p.grew)
		p.grew = make(chan struct{})
		p.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, out)
	_ = p.cmd.Wait()
	close(p.done)
}

// scanLines splits at "\n" and at "\r".
func scanLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// Send writes line to the process's standard input.
func (p *Proc) Send(line string) {
	p.t.Helper()
	if _, err := fmt.Fprintln(p.in, line); err != nil {
		p.t.Fatalf("testbed: %s: writing %q: %v", p.Name, line, err)
	}
}

// Expect returns the first line not yet returned that contains substr,
// skipping the lines before it, waiting up to timeout. It fails the test
// if none comes or the process exits first.
func (p *Proc) Expect(substr string, timeout time.Duration) string {
	p.t.Helper()
	l, err := p.Await(func(l string) bool { return strings.Contains(l, substr) }, timeout)
	if err != nil {
		p.t.Fatalf("testbed: %s: waiting for %q: %v\n%s", p.Name, substr, err, p.Output())
	}
	return l
}

// Next returns the next line not yet returned, waiting up to timeout.
func (p *Proc) Next(timeout time.Duration) string {
	p.t.Helper()
	l, err := p.Await(func(string) bool { return true }, timeout)
	if err != nil {
		p.t.Fatalf("testbed: %s: waiting for a line: %v\n%s", p.Name, err, p.Output())
	}
	return l
}

// Do sends a command line and returns the next line of output.
func (p *Proc) Do(line string, timeout time.Duration) string {
	p.t.Helper()
	p.Send(line)
	return p.Next(timeout)
}

// Await is Expect with a predicate, returning an error instead of failing.
func (p *Proc) Await(match func(string) bool, timeout time.Duration) (string, error) {
	deadline := time.After(timeout)
	for {
		p.mu.Lock()
		for ; p.next < p.dropped+len(p.lines); p.next++ {
			if p.next < p.dropped {
				continue
			}
			if l := p.lines[p.next-p.dropped]; match(l) {
				p.next++
				p.mu.Unlock()
				return l, nil
			}
		}
		grew := p.grew
		p.mu.Unlock()
		select {
		case <-grew:
		case <-p.done:
			p.mu.Lock()
			more := p.next < p.dropped+len(p.lines)
			p.mu.Unlock()
			if !more {
				return "", fmt.Errorf("exited (%v)", p.cmd.ProcessState)
			}
		case <-deadline:
			return "", fmt.Errorf("nothing within %v", timeout)
		}
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Proc) Kill() {
	p.t.Helper()
	p.kill()
}

func (p *Proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.in.Close()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.t.Errorf("testbed: %s did not die within 30 s of SIGKILL", p.Name)
	}
}

// Stop sends SIGSTOP and waits until the process is stopped: it hangs,
// its sockets open, until Cont.
func (p *Proc) Stop() {
	p.t.Helper()
	p.signal(syscall.SIGSTOP)
	p.waitState(true)
}

// Cont sends SIGCONT and waits until the process runs again.
func (p *Proc) Cont() {
	p.t.Helper()
	p.signal(syscall.SIGCONT)
	p.waitState(false)
}

// waitState waits until the process is stopped, or is not: a signal is
// delivered after kill returns.
func (p *Proc) waitState(stopped bool) {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if p.stopped() == stopped {
			return
		}
		time.Sleep(time.Millisecond)
	}
	p.t.Fatalf("testbed: %s: not %s within 10 s", p.Name, map[bool]string{true: "stopped", false: "running"}[stopped])
}

// stopped reads the process's state from /proc: T is stopped.
func (p *Proc) stopped() bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: comm may hold spaces, so read after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'T'
}

// Signal sends sig.
func (p *Proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("testbed: %s: %v: %v", p.Name, sig, err)
	}
}

// Exited is closed once the process has exited.
func (p *Proc) Exited() <-chan struct{} { return p.done }

// Output returns the last lines of output and of standard error, for a
// failure message.
func (p *Proc) Output() string {
	p.mu.Lock()
	lines := p.lines[max(0, len(p.lines)-20):]
	out := strings.Join(lines, "\n")
	p.mu.Unlock()
	return fmt.Sprintf("stdout:\n%s\nstderr:\n%s", out, p.stderr.String())
}

// tail keeps the last 8 KiB written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - 8<<10; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// build is where Build puts the binaries, shared by the test binary.
var build struct {
	mu   sync.Mutex
	dir  string
	bins map[string]string
}

// Build compiles the main package pkg (an import path of this module)
// once per test binary and returns the binary's path. Call Cleanup from
// TestMain to remove the binaries.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	build.mu.Lock()
	defer build.mu.Unlock()
	if bin, ok := build.bins[pkg]; ok {
		return bin
	}
	if build.dir == "" {
		dir, err := os.MkdirTemp("", "p2p-testbed-bin-")
		if err != nil {
			t.Fatalf("testbed: %v", err)
		}
		build.dir, build.bins = dir, map[string]string{}
	}
	bin := fmt.Sprintf("%s/%d-%s", build.dir, len(build.bins), pkg[strings.LastIndex(pkg, "/")+1:])
	start := time.Now()
	out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("testbed: go build %s: %v\n%s", pkg, err, out)
	}
	t.Logf("testbed: built %s in %v", pkg, time.Since(start).Round(time.Millisecond))
	build.bins[pkg] = bin
	return bin
}

// Cleanup removes what Build made.
func Cleanup() {
	build.mu.Lock()
	defer build.mu.Unlock()
	if build.dir != "" {
		_ = os.RemoveAll(build.dir)
		build.dir, build.bins = "", nil
	}
}
