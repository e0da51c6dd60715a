package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// step is one stop of the tour. Each lives in its own step_*.go file and
// registers itself from an init function.
type step struct {
	// Order places the step in the tour (foundation 10-19, dht 20,
	// swarm 30, dnsx 40, overlay 50).
	Order int
	// Name selects the step with -only.
	Name string
	// Title says in a line what the step shows.
	Title string
	// Run runs the step, printing to w. It must finish on its own, use
	// only loopback or the simulator, and stop when ctx ends.
	Run func(ctx context.Context, w io.Writer) error
}

var registry []step

// register adds s to the tour; called from init functions.
func register(s step) { registry = append(registry, s) }

func sortedSteps() []step {
	steps := append([]step(nil), registry...)
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].Order < steps[j].Order })
	return steps
}

// selectSteps returns the steps named in only (comma-separated), or all.
func selectSteps(only string) ([]step, error) {
	all := sortedSteps()
	if only == "" {
		return all, nil
	}
	want := map[string]bool{}
	for _, name := range strings.Split(only, ",") {
		want[strings.TrimSpace(name)] = true
	}
	var steps []step
	for _, s := range all {
		if want[s.Name] {
			steps = append(steps, s)
			delete(want, s.Name)
		}
	}
	for name := range want {
		return nil, fmt.Errorf("no step named %q (see -list)", name)
	}
	return steps, nil
}
