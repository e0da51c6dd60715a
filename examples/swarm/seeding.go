package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/networkutopia/p2p/swarm"
)

// seeding is how long download and magnet keep seeding once complete:
// not at all by default, for SeedTime (negative: until interrupted) or
// until the uploaded bytes reach SeedRatio times the torrent's size,
// whichever comes first.
type seeding struct {
	SeedTime  time.Duration
	SeedRatio float64
}

// flags registers -seed-time and -seed-ratio.
func (s *seeding) flags(fs *flag.FlagSet) {
	fs.DurationVar(&s.SeedTime, "seed-time", 0, "keep seeding this long once complete (negative: until interrupted)")
	fs.Float64Var(&s.SeedRatio, "seed-ratio", 0, "keep seeding until uploaded/size reaches this ratio")
}

// seedPoll is how often the upload ratio is checked.
const seedPoll = 500 * time.Millisecond

// download shows the progress until t is complete, then seeds as s says.
func (s seeding) download(ctx context.Context, t *swarm.Torrent, out io.Writer) error {
	if err := progressBar(ctx, t, out); err != nil {
		return err
	}
	switch {
	case s.SeedTime < 0:
		fmt.Fprintln(out, "done; seeding until interrupted")
		return t.Seed(ctx)
	case s.SeedTime == 0 && s.SeedRatio <= 0:
		fmt.Fprintln(out, "done")
		return nil
	}
	fmt.Fprintf(out, "done; seeding (time %v, ratio %g)\n", s.SeedTime, s.SeedRatio)
	var until <-chan time.Time // nil: no time limit
	if s.SeedTime > 0 {
		timer := time.NewTimer(s.SeedTime)
		defer timer.Stop()
		until = timer.C
	}
	tick := time.NewTicker(seedPoll)
	defer tick.Stop()
	for {
		p, err := t.Progress(ctx)
		if err == nil && s.SeedRatio > 0 && float64(p.Uploaded) >= s.SeedRatio*float64(p.Total) {
			fmt.Fprintf(out, "seed ratio %.2f reached\n", float64(p.Uploaded)/float64(p.Total))
			return nil
		}
		select {
		case <-until:
			fmt.Fprintf(out, "seeded for %v\n", s.SeedTime)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
