package ingressmux_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// writeIngress writes one Ingress for host "/" to service into a new
// directory and returns it.
func writeIngress(t *testing.T, service string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "web.yaml"), []byte(ingressYAML("shop.example.com", "/", service)), 0o644))
	return dir
}

// TestHooksSeeTheIngress checks that Observe learns the Ingress, rule
// and backend of a request served through the Mux.
func TestHooksSeeTheIngress(t *testing.T) {
	blue := backend(t, "blue")
	var mu sync.Mutex
	var seen []*proxy.Info
	mux, err := ingressmux.Load(t.Context(), ingressmux.Config{
		Paths:   []string{writeIngress(t, "blue")},
		Options: ingress.Options{Backends: map[string]string{"default/blue:80": blue.URL}},
		Hooks: ingressmux.Hooks{Observe: func(i *proxy.Info) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, i)
		}},
	})
	require.NoError(t, err)
	t.Cleanup(func() { mux.Close() })
	code, _ := get(t, mux, "http://shop.example.com/cart")
	require.Equal(t, 200, code)
	require.Len(t, seen, 1)
	i := seen[0]
	assert.Equal(t, proxy.ActionProxy, i.Action)
	assert.Equal(t, proxy.ObjectRef{Kind: "Ingress", Namespace: "default", Name: "blue"}, i.Route.Object)
	assert.Equal(t, "shop.example.com", i.Rule.Host)
	assert.Equal(t, "/", i.Rule.Path)
	assert.Equal(t, route.Prefix, i.Rule.Type)
	assert.Equal(t, "default/blue:80", i.Upstream.Name)
	require.Len(t, i.Attempts, 1)
	assert.Equal(t, strings.TrimPrefix(blue.URL, "http://"), i.Attempts[0].Endpoint)
	assert.Equal(t, 200, i.UpstreamStatus)
}

// TestResolverContextAndResolve checks that the Resolver gets Load's
// context, and that Resolve asks it again and serves its new answer
// without re-reading the files.
func TestResolverContextAndResolve(t *testing.T) {
	blue, green := backend(t, "blue"), backend(t, "green")
	type ctxKey struct{}
	var mu sync.Mutex
	answer := strings.TrimPrefix(blue.URL, "http://")
	var sawKey []any
	dir := writeIngress(t, "web")
	mux, err := ingressmux.Load(context.WithValue(t.Context(), ctxKey{}, "load"), ingressmux.Config{
		Paths: []string{dir},
		Resolver: func(ctx context.Context, b route.Backend) ([]string, error) {
			mu.Lock()
			defer mu.Unlock()
			sawKey = append(sawKey, ctx.Value(ctxKey{}))
			return []string{answer}, nil
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { mux.Close() })
	_, body := get(t, mux, "http://shop.example.com/")
	assert.True(t, strings.HasPrefix(body, "blue "), body)

	mu.Lock()
	answer = strings.TrimPrefix(green.URL, "http://")
	mu.Unlock()
	require.NoError(t, os.Remove(filepath.Join(dir, "web.yaml")), "Resolve must not re-read the sources")
	require.NoError(t, mux.Resolve(context.WithValue(t.Context(), ctxKey{}, "resolve")))
	_, body = get(t, mux, "http://shop.example.com/")
	assert.True(t, strings.HasPrefix(body, "green "), body)
	assert.Equal(t, []any{"load", "resolve"}, sawKey)

	// A canceled context never replaces the table.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, mux.Resolve(ctx), context.Canceled)
	assert.ErrorIs(t, mux.Reload(ctx), context.Canceled)
	_, err = ingressmux.Load(ctx, ingressmux.Config{Paths: []string{writeIngress(t, "web")}})
	assert.ErrorIs(t, err, context.Canceled)
	_, body = get(t, mux, "http://shop.example.com/")
	assert.True(t, strings.HasPrefix(body, "green "), body)
}

// TestWarningsAreNotLogged checks that warnings come back from Warnings
// only: neither the Mux's Logger nor slog's default receives them.
func TestWarningsAreNotLogged(t *testing.T) {
	var logged bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logged, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	var own bytes.Buffer
	mux, err := ingressmux.Load(t.Context(), ingressmux.Config{Paths: []string{writeIngress(t, "web")},
		Logger: slog.New(slog.NewTextHandler(&own, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { mux.Close() })
	require.NotEmpty(t, mux.Warnings(), "the Service is not loaded: a warning")
	assert.Empty(t, logged.String())
	assert.Empty(t, own.String())
}

// TestBackendOverrides checks that overrides are reported as overrides:
// an unusable one fails Load naming it, an unused one is a warning.
func TestBackendOverrides(t *testing.T) {
	dir := writeIngress(t, "web")
	for _, tt := range []struct {
		name      string
		backends  map[string]string
		err       string
		warning   string
		noWarning bool
	}{
		{name: "bad port", backends: map[string]string{"default/web:80": "127.0.0.1:http"},
			err: `backend override "default/web:80"="127.0.0.1:http": port "http": want a number from 1 to 65535`},
		{name: "bad scheme", backends: map[string]string{"default/web:80": "ftp://127.0.0.1:21"},
			err: `backend override "default/web:80"="ftp://127.0.0.1:21": the scheme must be http or https`},
		{name: "key without namespace", backends: map[string]string{"web:80": "127.0.0.1:8080"},
			err: `backend override "web:80"="127.0.0.1:8080": the key must be "namespace/service:port"`},
		{name: "unused", backends: map[string]string{"default/web:80": "127.0.0.1:8080", "default/api:80": "127.0.0.1:8081"},
			warning: `Config.Backends: "default/api:80": no backend of the loaded Ingresses is default/api:80; the override is not used (backends: default/web:80)`},
		{name: "used, as a URL", backends: map[string]string{"default/web:80": "http://127.0.0.1:8080"}, noWarning: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mux, err := ingressmux.Load(t.Context(), ingressmux.Config{Paths: []string{dir}, Options: ingress.Options{Backends: tt.backends}})
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				var oe *ingressmux.OverrideError
				assert.True(t, errors.As(err, &oe), "an *OverrideError: %v", err)
				return
			}
			require.NoError(t, err)
			t.Cleanup(func() { mux.Close() })
			var got []string
			for _, w := range mux.Warnings() {
				got = append(got, w.String())
			}
			if tt.noWarning {
				assert.Empty(t, got)
				return
			}
			assert.Contains(t, got, tt.warning)
		})
	}
}

// TestMuxClose checks that Close leaves none of the proxy's goroutines.
func TestMuxClose(t *testing.T) {
	before := goleak.IgnoreCurrent()
	blue := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer blue.Close()
	mux, err := ingressmux.Load(t.Context(), ingressmux.Config{
		Paths:   []string{writeIngress(t, "blue")},
		Options: ingress.Options{Backends: map[string]string{"default/blue:80": blue.URL}},
	})
	require.NoError(t, err)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(method, "http://shop.example.com/", strings.NewReader("x")))
		require.Equal(t, 200, rec.Code)
	}
	require.NoError(t, mux.Close())
	goleak.VerifyNone(t, before,
		goleak.IgnoreAnyFunction("net/http/httptest.(*Server).goServe.func1"),
		goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
		goleak.IgnoreAnyFunction("net/http.(*conn).closeWriteAndWait"))
	code, _ := get(t, mux, "http://shop.example.com/")
	assert.Equal(t, http.StatusServiceUnavailable, code)
}
