package main

import (
	"bytes"
	"context"
	"flag"
	"testing"

	"github.com/stretchr/testify/require"
)

// -h prints the usage and is no error (main exits 0 on flag.ErrHelp), for
// the command and for each subcommand; the demo does not start.
func TestHelpExitsCleanly(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"demo", "-h"}, {"create", "-h"}, {"tracker", "-h"}, {"udp-tracker", "-h"}, {"seed", "-h"}, {"download", "-h"}} {
		var out bytes.Buffer
		err := run(context.Background(), args, &out)
		if err != nil {
			require.ErrorIs(t, err, flag.ErrHelp, "%v", args)
		}
		require.NotEmpty(t, out.String(), "%v prints its usage", args)
		require.NotContains(t, out.String(), "downloaded", "%v must not run anything", args)
	}
}
