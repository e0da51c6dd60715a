package transport

// pendingCalls is Calls' table of pending calls by ID. A protocol node
// mostly has a handful pending (a DHT peer: its stabilize round, a lookup
// step or two), so up to pendingInline they live in the Calls struct
// itself, found by comparing IDs in one cache line; a map took a hash and
// one more cache miss on every request and reply (5% of a 100 000-node
// simulation). Beyond that they move to a map until none is pending.
type pendingCalls struct {
	inline [pendingInline]pendingEntry
	n      int              // entries used in inline, while big is nil
	big    map[uint64]*call // every entry, while more might not fit inline
}

const pendingInline = 4

type pendingEntry struct {
	id uint64
	cl *call
}

// get returns the pending call id, or nil.
func (p *pendingCalls) get(id uint64) *call {
	if p.big != nil {
		return p.big[id]
	}
	for i := range p.n {
		if p.inline[i].id == id {
			return p.inline[i].cl
		}
	}
	return nil
}

// put adds call id, which is not pending.
func (p *pendingCalls) put(id uint64, cl *call) {
	if p.big == nil && p.n < pendingInline {
		p.inline[p.n] = pendingEntry{id, cl}
		p.n++
		return
	}
	if p.big == nil {
		p.big = make(map[uint64]*call, 2*pendingInline)
		for i := range p.n {
			p.big[p.inline[i].id] = p.inline[i].cl
			p.inline[i] = pendingEntry{}
		}
		p.n = 0
	}
	p.big[id] = cl
}

// del removes call id if it is pending.
func (p *pendingCalls) del(id uint64) {
	if p.big != nil {
		delete(p.big, id)
		if len(p.big) == 0 {
			p.big = nil
		}
		return
	}
	for i := range p.n {
		if p.inline[i].id == id {
			p.n--
			p.inline[i] = p.inline[p.n]
			p.inline[p.n] = pendingEntry{}
			return
		}
	}
}

// len returns the number of pending calls.
func (p *pendingCalls) len() int {
	if p.big != nil {
		return len(p.big)
	}
	return p.n
}

// appendTo appends the pending calls to out, in no particular order.
func (p *pendingCalls) appendTo(out []*call) []*call {
	if p.big != nil {
		for _, cl := range p.big {
			out = append(out, cl)
		}
		return out
	}
	for i := range p.n {
		out = append(out, p.inline[i].cl)
	}
	return out
}
