package testbed

import (
	"cmp"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Impairment is what a Relay does to the bytes it forwards, each way.
type Impairment struct {
	// Delay holds every chunk read for this long before it is written on.
	Delay time.Duration
	// Loss is the probability that a chunk is "lost": held a further
	// Stall (default 200 ms) first, as TCP stalls to retransmit a lost
	// segment. The byte stream itself stays intact and in order.
	Loss  float64
	Stall time.Duration
	// Rate, if positive, caps the bytes per second forwarded each way on
	// each connection.
	Rate int64
}

// Relay is a TCP relay on an address of the bridge (not IP's, a second
// one all relays share) that forwards every
// connection to a target with an impairment, and can freeze: hold all
// data until thawed. Nodes dial Addr instead of the target.
type Relay struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu     sync.Mutex
	imp    Impairment
	rng    *rand.Rand
	frozen bool
	thaw   chan struct{} // closed when the relay thaws
	stopAt int64         // FreezeAt's mark, 0 for none
	conns  map[net.Conn]bool
	closed bool

	// toClient and toTarget count the bytes forwarded each way.
	toClient, toTarget atomic.Int64
}

// Relay starts a relay to target, listening on the relays' address.
func (b *Bed) Relay(target netip.AddrPort, imp Impairment) *Relay {
	b.t.Helper()
	ln, err := net.Listen("tcp", netip.AddrPortFrom(b.addr(relayHost), 0).String())
	if err != nil {
		b.t.Fatalf("testbed: relay: %v", err)
	}
	r := &Relay{ln: ln, target: target.String(), imp: imp, rng: rand.New(rand.NewPCG(1, 2)), conns: map[net.Conn]bool{}}
	b.mu.Lock()
	b.relays = append(b.relays, r)
	b.mu.Unlock()
	r.wg.Add(1)
	go r.accept()
	return r
}

// Addr is where the relay listens.
func (r *Relay) Addr() netip.AddrPort { return r.ln.Addr().(*net.TCPAddr).AddrPort() }

// Set changes the impairment, for the chunks read from now on.
func (r *Relay) Set(imp Impairment) {
	r.mu.Lock()
	r.imp = imp
	r.mu.Unlock()
}

// Freeze holds all data, each way, until Thaw; connections stay open.
func (r *Relay) Freeze() {
	r.mu.Lock()
	if !r.frozen {
		r.frozen, r.thaw = true, make(chan struct{})
	}
	r.mu.Unlock()
}

// FreezeAt forwards (thawing the relay if it is frozen) until n bytes in
// all have gone to the clients (ToClient), then freezes: a transfer is
// cut at a point the test chose, not at a point it raced to.
func (r *Relay) FreezeAt(n int64) {
	r.mu.Lock()
	r.thawLocked()
	r.stopAt = n
	r.mu.Unlock()
}

// Thaw forwards again what Freeze held, and cancels FreezeAt.
func (r *Relay) Thaw() {
	r.mu.Lock()
	r.thawLocked()
	r.stopAt = 0
	r.mu.Unlock()
}

func (r *Relay) thawLocked() {
	if r.frozen {
		r.frozen = false
		close(r.thaw)
	}
}

// Frozen reports whether the relay holds its data now.
func (r *Relay) Frozen() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.frozen
}

// allowance is how many of n bytes may be written to the clients before
// FreezeAt's mark; at the mark it freezes the relay and returns 0.
func (r *Relay) allowance(count *atomic.Int64, n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if count != &r.toClient || r.stopAt == 0 {
		return n
	}
	left := r.stopAt - count.Load()
	if left <= 0 {
		r.stopAt = 0
		if !r.frozen {
			r.frozen, r.thaw = true, make(chan struct{})
		}
		return 0
	}
	return int(min(int64(n), left))
}

// ToClient is the bytes forwarded from the target to the clients so far.
func (r *Relay) ToClient() int64 { return r.toClient.Load() }

// Close stops the relay and closes its connections.
func (r *Relay) Close() {
	r.mu.Lock()
	r.closed = true
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.ln.Close()
	r.Thaw()
	r.wg.Wait()
}

func (r *Relay) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		c.Close()
		return false
	}
	r.conns[c] = true
	return true
}

func (r *Relay) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.wg.Add(1)
		go r.serve(c)
	}
}

// serve relays one connection until either side closes it.
func (r *Relay) serve(c net.Conn) {
	defer r.wg.Done()
	if !r.track(c) {
		return
	}
	u, err := net.DialTimeout("tcp", r.target, 10*time.Second)
	if err != nil || !r.track(u) {
		c.Close()
		return
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); r.pipe(u, c, &r.toTarget) }()
	go func() { defer wg.Done(); r.pipe(c, u, &r.toClient) }()
	wg.Wait()
	r.mu.Lock()
	delete(r.conns, c)
	delete(r.conns, u)
	r.mu.Unlock()
}

// chunk is data read and the time it may be written on.
type chunk struct {
	data []byte
	at   time.Time
}

// pipe copies src to dst with the impairment; when either ends, both
// connections close.
func (r *Relay) pipe(dst, src net.Conn, count *atomic.Int64) {
	defer dst.Close()
	defer src.Close()
	q := make(chan chunk, 64)
	go func() {
		defer close(q)
		last := time.Time{}
		for {
			buf := make([]byte, 16<<10)
			n, err := src.Read(buf)
			if n > 0 {
				r.mu.Lock()
				imp := r.imp
				lost := imp.Loss > 0 && r.rng.Float64() < imp.Loss
				r.mu.Unlock()
				at := time.Now().Add(imp.Delay)
				if lost {
					at = at.Add(cmp.Or(imp.Stall, 200*time.Millisecond))
				}
				if at.Before(last) {
					at = last // no chunk overtakes another
				}
				last = at
				q <- chunk{buf[:n], at}
			}
			if err != nil {
				return
			}
		}
	}()
	var due time.Time // Rate's pace: when the bytes written so far may all be out
	for ch := range q {
		time.Sleep(time.Until(ch.at))
		if r.forward(dst, ch.data, count, &due) != nil {
			break
		}
	}
	src.Close()
	for range q { // let the reader end
	}
}

// forward writes data to dst, as the relay's state and rate allow.
func (r *Relay) forward(dst net.Conn, data []byte, count *atomic.Int64, due *time.Time) error {
	for len(data) > 0 {
		if err := r.wait(); err != nil {
			return err
		}
		n := r.allowance(count, len(data))
		if n == 0 {
			continue // frozen at FreezeAt's mark
		}
		r.mu.Lock()
		rate := r.imp.Rate
		r.mu.Unlock()
		if rate > 0 {
			*due = later(*due, time.Now()).Add(time.Duration(float64(n) / float64(rate) * float64(time.Second)))
			time.Sleep(time.Until(*due))
		}
		if _, err := dst.Write(data[:n]); err != nil {
			return err
		}
		count.Add(int64(n))
		data = data[n:]
	}
	return nil
}

// wait blocks while the relay is frozen; it fails once the relay closed.
func (r *Relay) wait() error {
	for {
		r.mu.Lock()
		frozen, thaw, closed := r.frozen, r.thaw, r.closed
		r.mu.Unlock()
		if closed {
			return errors.New("testbed: relay closed")
		}
		if !frozen {
			return nil
		}
		<-thaw
	}
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
