package golden_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/networkutopia/p2p/internal/golden"
)

// reporter stands in for the *testing.T of a real test: it says whether
// Check failed.
type reporter struct{ testing.TB }

func (reporter) Helper()               {}
func (reporter) Name() string          { return "TestTable" }
func (reporter) Errorf(string, ...any) { fmt.Println("differs from the golden file") }
func (reporter) FailNow()              {}

// A test pins its output to a file under testdata/; `go test -update`
// rewrites the file.
func ExampleCheck() {
	dir, _ := os.MkdirTemp("", "golden")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "table.golden")
	_ = os.WriteFile(path, []byte("N  msgs/query\n"), 0o644)

	golden.Check(reporter{}, path, "N  msgs/query\n") // the same: silent
	golden.Check(reporter{}, path, "N  success %\n")
	// Output: differs from the golden file
}
