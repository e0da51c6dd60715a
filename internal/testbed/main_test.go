package testbed_test

import (
	"os"
	"testing"

	"github.com/networkutopia/p2p/internal/testbed"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == echoArg {
		echo(os.Args[2])
		return
	}
	code := m.Run()
	testbed.Cleanup()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}
