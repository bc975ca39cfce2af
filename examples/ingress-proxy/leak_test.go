package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: a
// request, timer, transport or server that is never released shows up
// here even when every test passes. goleak waits a while for goroutines
// that are on their way out, such as connections closing, but not for
// the half second net/http lingers on a connection it closes after an
// error response (closeWriteAndWait), which always ends by itself.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("net/http.(*conn).closeWriteAndWait"))
}
