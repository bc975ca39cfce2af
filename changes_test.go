package ingressmux

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
)

// named answers with its name.
func named(t *testing.T, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) }))
	t.Cleanup(srv.Close)
	return srv
}

func serveGet(h http.Handler, url string) (int, string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	return rec.Code, rec.Body.String()
}

// decodeOne decodes the single object of a YAML document.
func decodeOne(t *testing.T, doc string) any {
	t.Helper()
	set, err := ingress.DecodeBytes("change.yaml", []byte(doc))
	require.NoError(t, err)
	require.Equal(t, 1, set.Len(), doc)
	switch {
	case len(set.Ingresses) == 1:
		return set.Ingresses[0]
	case len(set.Services) == 1:
		return set.Services[0]
	case len(set.EndpointSlices) == 1:
		return set.EndpointSlices[0]
	}
	t.Fatalf("unexpected kind in %s", doc)
	return nil
}

func ingressDoc(name, host, path, service string) string {
	return fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: %s, namespace: default}
spec:
  rules:
    - host: %s
      http:
        paths:
          - {path: %s, pathType: Prefix, backend: {service: {name: %s, port: {number: 80}}}}
`, name, host, path, service)
}

func loadDir(t *testing.T, files map[string]string, opts ingress.Options) (*Mux, string) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	m, err := Load(context.Background(), Config{Paths: []string{dir}, Options: opts, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	return m, dir
}

func TestApply(t *testing.T) {
	blue, green := named(t, "blue"), named(t, "green")
	opts := ingress.Options{Backends: map[string]string{"default/blue:80": blue.URL, "default/green:80": green.URL}}
	m, _ := loadDir(t, map[string]string{"shop.yaml": ingressDoc("shop", "shop.example.com", "/", "blue")}, opts)
	ctx := context.Background()

	steps := []struct {
		name    string
		change  ingress.Change
		wantErr string
		url     string
		code    int
		body    string
	}{
		{"add an Ingress", ingress.Add(decodeOne(t, ingressDoc("news", "news.example.com", "/", "green"))), "", "http://news.example.com/", 200, "green"},
		{"the others still serve", ingress.Change{}, "", "http://shop.example.com/", 200, "blue"},
		{"update an Ingress", ingress.Update(decodeOne(t, ingressDoc("shop", "shop.example.com", "/", "green"))), "", "http://shop.example.com/", 200, "green"},
		{"delete an Ingress", ingress.Delete(decodeOne(t, ingressDoc("news", "news.example.com", "/", "green"))), "", "http://news.example.com/", 404, ""},
		{"an invalid Ingress changes nothing", ingress.Update(decodeOne(t, ingressDoc("shop", "shop.example.com", "no-slash", "blue"))), "spec.rules[0].http.paths[0].path", "http://shop.example.com/", 200, "green"},
		{"an unknown kind changes nothing", ingress.Add("not an object"), "want an Ingress", "http://shop.example.com/", 200, "green"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.change.Object != nil {
				before := m.Compiled()
				err := m.Apply(ctx, s.change)
				if s.wantErr != "" {
					require.Error(t, err)
					assert.Contains(t, err.Error(), s.wantErr)
					assert.Same(t, before, m.Compiled(), "a failed change replaced the table")
				} else {
					require.NoError(t, err)
				}
			}
			code, body := serveGet(m, s.url)
			assert.Equal(t, s.code, code)
			if s.body != "" {
				assert.Equal(t, s.body, body)
			}
		})
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, m.Apply(cancelled, ingress.Add(decodeOne(t, ingressDoc("late", "late.example.com", "/", "blue")))), context.Canceled)
	code, _ := serveGet(m, "http://late.example.com/")
	assert.Equal(t, 404, code)

	// Reload goes back to the files.
	require.NoError(t, m.Reload(context.Background()))
	_, body := serveGet(m, "http://shop.example.com/")
	assert.Equal(t, "blue", body)
}

const serviceDoc = `apiVersion: v1
kind: Service
metadata: {name: api, namespace: default}
spec:
  ports: [{name: http, port: 80, targetPort: 8080}]
`

func sliceDoc(addrs ...string) string {
	return fmt.Sprintf(`apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-1, namespace: default, labels: {kubernetes.io/service-name: api}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [%s]}]
`, strings.Join(addrs, ", "))
}

// TestApplyEndpointSliceKeepsRouteTable checks that an EndpointSlice
// change gives the upstream its endpoints without a new route table. The
// addresses are in 198.18.0.0/15 and never dialled.
func TestApplyEndpointSliceKeepsRouteTable(t *testing.T) {
	m, _ := loadDir(t, map[string]string{
		"api.yaml": ingressDoc("api", "api.example.com", "/", "api") + "---\n" + serviceDoc + "---\n" + sliceDoc("198.18.0.1"),
	}, ingress.Options{})
	table := m.live.table
	require.NoError(t, m.Apply(context.Background(), ingress.Update(decodeOne(t, sliceDoc("198.18.0.2", "198.18.0.3")))))
	assert.Same(t, table, m.live.table, "an endpoints change rebuilt the route table")
	rule := m.Compiled().Table.Match("api.example.com", "/")
	require.NotNil(t, rule)
	assert.Equal(t, []string{"198.18.0.2:8080", "198.18.0.3:8080"}, rule.Value.(*proxy.Route).Upstream.Endpoints)

	// An Ingress change is a route change.
	require.NoError(t, m.Apply(context.Background(), ingress.Update(decodeOne(t, ingressDoc("api", "api.example.com", "/v2", "api")))))
	assert.NotSame(t, table, m.live.table)
	assert.Nil(t, m.Compiled().Table.Match("api.example.com", "/"))
}

func TestMuxSetEndpoints(t *testing.T) {
	blue, green := named(t, "blue"), named(t, "green")
	m, _ := loadDir(t, map[string]string{"shop.yaml": ingressDoc("shop", "shop.example.com", "/", "blue")},
		ingress.Options{Backends: map[string]string{"default/blue:80": blue.URL}})
	require.NoError(t, m.SetEndpoints("default/blue:80", []string{green.Listener.Addr().String()}))
	_, body := serveGet(m, "http://shop.example.com/")
	assert.Equal(t, "green", body)
	assert.ErrorContains(t, m.SetEndpoints("default/none:80", []string{"127.0.0.1:1"}), "no route uses backend")
	assert.ErrorContains(t, m.SetEndpoints("default/blue:80", []string{"nowhere"}), "want host:port")
	_, body = serveGet(m, "http://shop.example.com/")
	assert.Equal(t, "green", body)
}

func TestReloadAppliesOnlyChangedFiles(t *testing.T) {
	blue, green := named(t, "blue"), named(t, "green")
	opts := ingress.Options{Backends: map[string]string{"default/blue:80": blue.URL, "default/green:80": green.URL}}
	m, dir := loadDir(t, map[string]string{
		"a.yaml": ingressDoc("a", "a.example.com", "/", "blue"),
		"b.yaml": ingressDoc("b", "b.example.com", "/", "green"),
	}, opts)
	before := m.Compiled().Table.Match("a.example.com", "/")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(ingressDoc("b", "b.example.com", "/v2", "green")), 0o644))
	require.NoError(t, m.Reload(context.Background()))
	_, body := serveGet(m, "http://b.example.com/v2")
	assert.Equal(t, "green", body)
	code, _ := serveGet(m, "http://b.example.com/")
	assert.Equal(t, 404, code)
	after := m.Compiled().Table.Match("a.example.com", "/")
	assert.Same(t, before.Value, after.Value, "the unchanged file's Ingress was compiled again")

	// A bad edit keeps the table being served.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(ingressDoc("b", "b.example.com", "nope", "blue")), 0o644))
	require.Error(t, m.Reload(context.Background()))
	_, body = serveGet(m, "http://b.example.com/v2")
	assert.Equal(t, "green", body)
	// Deleting the file removes its routes.
	require.NoError(t, os.Remove(filepath.Join(dir, "b.yaml")))
	require.NoError(t, m.Reload(context.Background()))
	code, _ = serveGet(m, "http://b.example.com/v2")
	assert.Equal(t, 404, code)
	_, body = serveGet(m, "http://a.example.com/")
	assert.Equal(t, "blue", body)
}
