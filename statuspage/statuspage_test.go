package statuspage_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/statuspage"
)

func snapshot() statuspage.Snapshot {
	return statuspage.Snapshot{
		Rules: []route.Rule{
			{Host: "shop.example.com", Path: "/api", Type: route.Prefix, Backend: route.Backend{Namespace: "default", Service: "api", Port: "80"}, Origin: "ingress default/shop"},
			{Type: route.Default, Backend: route.Backend{Namespace: "default", Service: "fallback", Port: "80"}, Origin: "ingress default/catch-all"},
		},
		Upstreams: []proxy.UpstreamStatus{
			{Upstream: &proxy.Upstream{Name: "default/api:80"}, Endpoints: []proxy.EndpointStatus{
				{Address: "10.0.0.1:8080", State: proxy.EndpointUp},
				{Address: "10.0.0.2:8080", State: proxy.EndpointDown, Fails: 3, DownUntil: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)},
			}},
			{Upstream: &proxy.Upstream{Name: "default/empty:80"}},
		},
		Warnings:   []string{`ingress.yaml: ingress default/x: annotation "<script>alert(1)</script>" is ignored`},
		LastReload: statuspage.Reload{Op: "reload", At: time.Now().Add(-time.Minute), Took: 12 * time.Millisecond, Err: errors.New("web.yaml: spec.rules[0].host: Invalid value")},
	}
}

// TestPage checks what the page shows and that what it shows is escaped.
func TestPage(t *testing.T) {
	h := statuspage.Handler(snapshot)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	require.Equal(t, 200, w.Code)
	assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
	assert.Contains(t, w.Header().Get("Content-Security-Policy"), "default-src 'none'")
	body := w.Body.String()
	for _, want := range []string{
		`<td class="mono">shop.example.com</td><td class="mono">/api</td><td>Prefix</td><td class="mono">default/api:80</td><td>ingress default/shop</td>`,
		`<td class="mono">*</td><td class="mono">-</td>`,
		`<td class="mono">10.0.0.2:8080</td><td class="down">down</td><td>3</td><td>2030-01-02T03:04:05Z</td>`,
		`<td class="mono">default/empty:80</td><td>HTTP</td><td colspan="4" class="down">no endpoints</td>`,
		`Upstreams (2, 2 endpoints, 1 down)`,
		`<span id="reload-result" class="failed">failed</span>`,
		`web.yaml: spec.rules[0].host: Invalid value`,
		`took 12ms`,
		`annotation &#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34; is ignored`,
	} {
		assert.Contains(t, body, want)
	}
	assert.NotContains(t, body, "<script>")

	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/", strings.NewReader("")))
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
	assert.Equal(t, "GET, HEAD", w.Header().Get("Allow"))
}
