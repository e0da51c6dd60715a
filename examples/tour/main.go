// Command tour runs every building block of the SDK once, on defaults, and
// prints what each one shows: the classic socket example, the simulator,
// Host over the in-memory network and TCP, and one step per protocol
// package (DHT, swarm, DNS, overlays).
//
//	go run ./examples/tour            # every step
//	go run ./examples/tour -list      # the steps and what they show
//	go run ./examples/tour -only dht  # one step (or a comma-separated few)
//
// Every step uses loopback addresses or the simulator only.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

func main() {
	list := flag.Bool("list", false, "list the steps and exit")
	only := flag.String("only", "", "comma-separated step names to run (default: all)")
	timeout := flag.Duration("timeout", 5*time.Minute, "bound on the whole tour")
	flag.Parse()
	if *list {
		for _, s := range sortedSteps() {
			fmt.Printf("%-12s %s\n", s.Name, s.Title)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := run(ctx, os.Stdout, *only); err != nil {
		fmt.Fprintln(os.Stderr, "tour:", err)
		os.Exit(1)
	}
}

// run runs the selected steps in order, printing a heading before each.
func run(ctx context.Context, w io.Writer, only string) error {
	steps, err := selectSteps(only)
	if err != nil {
		return err
	}
	for i, s := range steps {
		fmt.Fprintf(w, "\n== %d. %s: %s\n\n", i+1, s.Name, s.Title)
		start := time.Now()
		if err := s.Run(ctx, w); err != nil {
			return fmt.Errorf("step %s: %w", s.Name, err)
		}
		fmt.Fprintf(w, "\n(%s took %v)\n", s.Name, time.Since(start).Round(time.Millisecond))
	}
	return nil
}
