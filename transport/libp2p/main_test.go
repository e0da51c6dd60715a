package libp2p_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: every
// Transport a test starts must be closed by its end, and closing it must
// stop the host's goroutines too.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
