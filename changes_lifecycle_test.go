package ingressmux

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// TestApplyAfterCloseChangesNothing: a cluster source may deliver a change
// after the program closed its Mux. It is refused; the Mux neither panics
// nor serves again.
func TestApplyAfterCloseChangesNothing(t *testing.T) {
	blue := named(t, "blue")
	opts := ingress.Options{Backends: map[string]string{"default/blue:80": blue.URL}}
	m, _ := loadDir(t, map[string]string{"a.yaml": ingressDoc("a", "a.example.com", "/", "blue")}, opts)
	require.NoError(t, m.Close())
	err := m.Apply(context.Background(), ingress.Update(decodeOne(t, ingressDoc("b", "b.example.com", "/", "blue"))))
	assert.ErrorIs(t, err, proxy.ErrClosed)
	err = m.Apply(context.Background(), ingress.Delete(decodeOne(t, ingressDoc("a", "a.example.com", "/", "blue"))))
	assert.ErrorIs(t, err, proxy.ErrClosed)
	code, _ := serveGet(m, "http://a.example.com/")
	assert.Equal(t, http.StatusServiceUnavailable, code, "a closed Mux keeps answering 503")
}

// closeCounter counts CloseIdleConnections calls on a wrapped transport.
type closeCounter struct {
	next   http.RoundTripper
	closed *atomic.Int32
}

func (c closeCounter) RoundTrip(r *http.Request) (*http.Response, error) { return c.next.RoundTrip(r) }
func (c closeCounter) CloseIdleConnections()                             { c.closed.Add(1) }

// TestCloseAfterApplyClosesWrappedTransports: the transports a
// WrapTransport hook returned are closed by Close also after changes that
// kept their upstreams.
func TestCloseAfterApplyClosesWrappedTransports(t *testing.T) {
	blue, green := named(t, "blue"), named(t, "green")
	closed := map[string]*atomic.Int32{"default/blue:80": new(atomic.Int32), "default/green:80": new(atomic.Int32)}
	wrap := func(u proxy.Upstream, next http.RoundTripper) http.RoundTripper {
		return closeCounter{next, closed[u.Name]}
	}
	opts := ingress.Options{Backends: map[string]string{"default/blue:80": blue.URL, "default/green:80": green.URL}}
	set, err := ingress.DecodeBytes("x.yaml", []byte(ingressDoc("a", "a.example.com", "/", "blue")+"---\n"+ingressDoc("b", "b.example.com", "/", "green")))
	require.NoError(t, err)
	m, err := LoadObjects(context.Background(), Config{Options: opts, Logger: slog.New(slog.DiscardHandler), Hooks: Hooks{WrapTransport: wrap}}, set)
	require.NoError(t, err)
	require.NoError(t, m.Apply(context.Background(), ingress.Update(decodeOne(t, ingressDoc("b", "b.example.com", "/x", "green")))))
	require.NoError(t, m.Close())
	for name, c := range closed {
		assert.NotZero(t, c.Load(), "Close closes the wrapped transport of %s", name)
	}
}

// TestUpstreamsOfDeletedRoutesAreForgotten: after a change removes the
// last route of a backend, SetEndpoints says no route uses it, and
// upstreams of routes gone do not pile up over many changes.
func TestUpstreamsOfDeletedRoutesAreForgotten(t *testing.T) {
	blue, green := named(t, "blue"), named(t, "green")
	opts := ingress.Options{Backends: map[string]string{"default/blue:80": blue.URL, "default/green:80": green.URL}}
	m, _ := loadDir(t, map[string]string{"a.yaml": ingressDoc("a", "a.example.com", "/", "blue"), "b.yaml": ingressDoc("b", "b.example.com", "/", "green")}, opts)
	require.NoError(t, m.Apply(context.Background(), ingress.Delete(decodeOne(t, ingressDoc("b", "b.example.com", "/", "green")))))
	assert.Error(t, m.SetEndpoints("default/green:80", []string{"127.0.0.1:1"}))
	for _, u := range m.Upstreams() {
		assert.NotEqual(t, "default/green:80", u.Upstream.Name)
	}

	resolve := func(context.Context, route.Backend) ([]string, error) { return []string{"127.0.0.1:1"}, nil }
	set, err := ingress.DecodeBytes("x.yaml", []byte(ingressDoc("a", "a.example.com", "/", "blue")))
	require.NoError(t, err)
	m, err = LoadObjects(context.Background(), Config{Resolver: resolve, Logger: slog.New(slog.DiscardHandler)}, set)
	require.NoError(t, err)
	for i := range 100 {
		require.NoError(t, m.Apply(context.Background(), ingress.Update(decodeOne(t, ingressDoc("b", "b.example.com", "/", fmt.Sprint("s", i))))))
	}
	assert.Len(t, m.Upstreams(), 2, "the upstreams of the 99 Services no route uses any more are gone")
	assert.Error(t, m.SetEndpoints("default/s3:80", []string{"127.0.0.1:2"}))
}

// TestResolveKeepsTheWarningsOfSkippedIngresses: Resolve compiles the same
// objects again, so an Ingress skipped as invalid is still skipped, and
// still said so.
func TestResolveKeepsTheWarningsOfSkippedIngresses(t *testing.T) {
	blue := named(t, "blue")
	bad := "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: bad, namespace: default}\nspec:\n  rules:\n  - host: bad.example.com\n    http:\n      paths:\n      - {path: relative, pathType: Prefix, backend: {service: {name: blue, port: {number: 80}}}}\n"
	opts := ingress.Options{SkipInvalidIngresses: true, Backends: map[string]string{"default/blue:80": blue.URL}}
	m, _ := loadDir(t, map[string]string{"a.yaml": ingressDoc("a", "a.example.com", "/", "blue"), "bad.yaml": bad}, opts)
	before := m.Warnings()
	require.NotEmpty(t, before)
	require.NoError(t, m.Resolve(context.Background()))
	assert.Equal(t, before, m.Warnings())
}
