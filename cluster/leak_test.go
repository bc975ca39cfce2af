package cluster_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: every
// informer, worker, probe and election of a Source ends when Run returns.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
