package statuspage_test

import (
	"fmt"
	"net/http/httptest"
	"regexp"
	"time"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/statuspage"
)

// Example serves the page for a one-route table; a program takes the
// snapshot from its Mux (Compiled, Upstreams, Warnings) and from the
// reloads its Hooks.Reloaded was told of.
func Example() {
	page := statuspage.Handler(func() statuspage.Snapshot {
		return statuspage.Snapshot{
			Rules: []route.Rule{{Host: "shop.example.com", Path: "/", Type: route.Prefix,
				Backend: route.Backend{Namespace: "default", Service: "web", Port: "80"}, Origin: "ingress default/web"}},
			Upstreams: []proxy.UpstreamStatus{{Upstream: &proxy.Upstream{Name: "default/web:80"},
				Endpoints: []proxy.EndpointStatus{{Address: "10.0.0.1:80", State: proxy.EndpointUp}}}},
			LastReload: statuspage.Reload{Op: "load", At: time.Now(), Took: 3 * time.Millisecond},
		}
	})
	w := httptest.NewRecorder()
	page.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	for _, m := range regexp.MustCompile(`<h2>[^<]*</h2>|id="reload-result" class="\w+">\w+`).FindAllString(w.Body.String(), -1) {
		fmt.Println(m)
	}
	// Output:
	// <h2>Last reload</h2>
	// id="reload-result" class="ok">succeeded
	// <h2>Routes (1)</h2>
	// <h2>Upstreams (1, 1 endpoints, 0 down)</h2>
	// <h2>Warnings of the last load (0)</h2>
}
