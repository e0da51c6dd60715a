package golden

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a testing.TB that records a failure instead of stopping;
// it has only the methods require calls.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) FailNow()              { r.failed = true }
func (r *recorder) Name() string          { return "recorder" }

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.golden")
	require.NoError(t, os.WriteFile(path, []byte("a\nb\n"), 0o644))

	Check(t, path, "a\nb\n")

	r := &recorder{}
	Check(r, path, "a\nc\n")
	require.True(t, r.failed, "a difference fails")

	r = &recorder{}
	Check(r, filepath.Join(t.TempDir(), "missing.golden"), "")
	require.True(t, r.failed, "a missing file fails")
}

func TestCheckUpdates(t *testing.T) {
	*update = true
	defer func() { *update = false }()
	path := filepath.Join(t.TempDir(), "new.golden")
	Check(t, path, "fresh\n")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "fresh\n", string(b))
}
