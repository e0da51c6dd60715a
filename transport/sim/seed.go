package sim

import (
	"hash/fnv"
	"os"
	"strconv"
	"testing"
	"time"
)

// SeedEnv is the environment variable Seed reads: a number replays that
// seed, "random" draws a new one.
const SeedEnv = "SIM_SEED"

// Seed returns the seed a simulation test should use and logs it, so that
// a failing test prints it and a rerun replays it:
//
//	SIM_SEED=12345 go test -run TestX ./...
//
// Without SIM_SEED the seed is a hash of the test's name, so the suite is
// reproducible run after run; SIM_SEED=random explores new seeds. A
// malformed SIM_SEED fails the test.
func Seed(tb testing.TB) uint64 {
	tb.Helper()
	var seed uint64
	switch v := os.Getenv(SeedEnv); v {
	case "":
		h := fnv.New64a()
		h.Write([]byte(tb.Name()))
		seed = h.Sum64()
	case "random":
		seed = mix(uint64(time.Now().UnixNano()))
	default:
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			tb.Fatalf("sim: %s=%q is not a number or \"random\"", SeedEnv, v)
		}
		seed = s
	}
	tb.Logf("sim seed %d (replay: %s=%d go test -run '^%s$')", seed, SeedEnv, seed, tb.Name())
	return seed
}
