package authserver

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: every
// server, resolver and host a test starts must be closed by its end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
