package cluster_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux/cluster"
)

// lockedBuffer is a log destination the Source's goroutines may share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) count(s string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), s)
}

// TestNewWarningsAreLoggedOnce: every change in a cluster recompiles the
// objects, so a standing warning (a Service that is not there) is logged
// when it appears, not again on every later change, and a new one is
// logged when it appears.
func TestNewWarningsAreLoggedOnce(t *testing.T) {
	var logs lockedBuffer
	h := start(t, cluster.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))},
		newIngress("shop", "front", "shop.example.com", "", "1"))
	const missing = `service shop/web is not loaded`
	require.Eventually(t, func() bool { return logs.count(missing) == 1 }, eventually, 5*time.Millisecond, "the warning is logged")

	h.create(newIngress("shop", "other", "other.example.com", "", "1"))
	h.waitRoute("other.example.com/", "shop/other")
	assert.Equal(t, 1, logs.count(missing), "a standing warning is not logged again on a later change")

	h.create(newService("shop", "web"))
	h.create(newIngress("cafe", "menu", "cafe.example.com", "", "1"))
	h.waitRoute("cafe.example.com/", "cafe/menu")
	assert.Equal(t, 1, logs.count(`service cafe/web is not loaded`), "a new warning is logged")
	assert.Equal(t, 1, logs.count(missing))
}
