package ingressmux

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
)

// muxGatewayClass is the GatewayClass ingressmux serves by default.
const muxGatewayClass = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: mux}
spec: {controllerName: github.com/ingressmux/ingressmux/gateway}
`

// changeGateway is a Gateway of muxGatewayClass with one HTTP listener.
const changeGateway = muxGatewayClass + `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: default}
spec:
  gatewayClassName: mux
  listeners: [{name: http, port: 80, protocol: HTTP}]
`

func httpRouteDoc(name, host, path, service string) string {
	return fmt.Sprintf(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: %s, namespace: default}
spec:
  parentRefs: [{name: edge}]
  hostnames: [%s]
  rules: [{matches: [{path: {type: PathPrefix, value: %s}}], backendRefs: [{name: %s, port: 80}]}]
`, name, host, path, service)
}

// decodeRoute decodes the HTTPRoute of doc.
func decodeRoute(t *testing.T, doc string) ingress.HTTPRoute {
	t.Helper()
	set, err := ingress.DecodeBytes("route.yaml", []byte(doc))
	require.NoError(t, err)
	require.Len(t, set.HTTPRoutes, 1)
	return set.HTTPRoutes[0]
}

// TestApplyGatewayChanges checks Apply with Gateway API objects: an
// HTTPRoute added, updated and deleted serves at once; an invalid one
// fails the Apply and changes nothing; an Ingress change leaves the
// Gateway API side as compiled, and an HTTPRoute change the Ingresses;
// the rules of other hosts are served as they were.
func TestApplyGatewayChanges(t *testing.T) {
	blue, green := named(t, "blue"), named(t, "green")
	opts := ingress.Options{Backends: map[string]string{"default/blue:80": blue.URL, "default/green:80": green.URL}}
	m, dir := loadDir(t, map[string]string{
		"gateway.yaml": changeGateway + "---\n" + httpRouteDoc("api", "api.example.com", "/", "blue"),
		"ingress.yaml": ingressDoc("web", "web.example.com", "/", "blue"),
	}, opts)
	defer m.Close()
	ctx := context.Background()
	body := func(url string) string { _, b := serveGet(m, url); return b }
	require.Equal(t, "blue", body("http://api.example.com/"))

	// An Ingress changed: the Gateway API side is not compiled again.
	gw := m.Gateway()
	require.NoError(t, m.Apply(ctx, ingress.Update(decodeOne(t, ingressDoc("web", "web.example.com", "/", "green")))))
	assert.Equal(t, "green", body("http://web.example.com/"))
	assert.Same(t, gw, m.Gateway(), "an Ingress change compiled the Gateway API objects again")
	// So does a Service no route names, and a file reload of the Ingresses.
	require.NoError(t, m.Apply(ctx, ingress.Add(decodeOne(t, "apiVersion: v1\nkind: Service\nmetadata: {name: unrelated, namespace: default}\nspec: {ports: [{port: 80}]}\n"))))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ingress.yaml"), []byte(ingressDoc("web", "web.example.com", "/", "green")+"---\n"+ingressDoc("web2", "web2.example.com", "/", "blue")), 0o644))
	require.NoError(t, m.Reload(ctx))
	assert.Equal(t, "blue", body("http://web2.example.com/"))
	assert.Same(t, gw, m.Gateway(), "a change to no object the Gateway API objects name compiled them again")
	// A Service the route names does.
	require.NoError(t, m.Apply(ctx, ingress.Add(decodeOne(t, "apiVersion: v1\nkind: Service\nmetadata: {name: blue, namespace: default}\nspec: {ports: [{port: 80}]}\n"))))
	assert.NotSame(t, gw, m.Gateway(), "a change to a Service the HTTPRoute names did not compile it again")
	gw = m.Gateway()

	// An HTTPRoute updated: the Ingresses are not compiled again, and
	// the proxy gets the rules of its host only.
	ingresses := m.live.tracker.Compiled()
	webRule := m.live.table.HostRules("web.example.com")[0].Value
	require.NoError(t, m.Apply(ctx, ingress.Update(decodeRoute(t, httpRouteDoc("api", "api.example.com", "/", "green")))))
	assert.Equal(t, "green", body("http://api.example.com/"))
	assert.Same(t, ingresses, m.live.tracker.Compiled(), "an HTTPRoute change compiled the Ingresses again")
	assert.Same(t, webRule, m.live.table.HostRules("web.example.com")[0].Value, "the Ingress's route was replaced")
	assert.NotSame(t, gw, m.Gateway())

	// An HTTPRoute added on a host of its own, then deleted.
	other := decodeRoute(t, httpRouteDoc("other", "other.example.com", "/", "blue"))
	require.NoError(t, m.Apply(ctx, ingress.Add(other)))
	assert.Equal(t, "blue", body("http://other.example.com/"))
	require.NoError(t, m.Apply(ctx, ingress.Delete(other)))
	code, _ := serveGet(m, "http://other.example.com/")
	assert.Equal(t, http.StatusNotFound, code)

	// An invalid HTTPRoute fails the Apply, which changes nothing, not
	// even the Ingress applied with it.
	before := m.Compiled()
	bad := decodeRoute(t, httpRouteDoc("api", "api.example.com", "/", "blue"))
	bad.Spec.Rules[0].Matches[0].Path.Value = new("no-slash")
	err := m.Apply(ctx, ingress.Update(decodeOne(t, ingressDoc("web", "web.example.com", "/", "blue"))), ingress.Update(bad))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "httproute default/api")
	assert.Same(t, before, m.Compiled())
	assert.Equal(t, "green", body("http://api.example.com/"))
	assert.Equal(t, "green", body("http://web.example.com/"))

	// A nil object of a Gateway API kind is refused by name.
	err = m.Apply(ctx, ingress.Add((*gatewayv1.HTTPRoute)(nil)))
	require.ErrorContains(t, err, "nil *v1.HTTPRoute")
}

// TestApplyEndpointSliceOfHTTPRoute checks that an EndpointSlice change
// for a Service an HTTPRoute routes to gives the proxy's upstream its
// endpoints without a new route table, as for Ingresses. The addresses
// are in 198.18.0.0/15 and never dialled.
func TestApplyEndpointSliceOfHTTPRoute(t *testing.T) {
	// Two weighted backends, one of them mirrored: the upstreams of a
	// Gateway API route.
	weighted := strings.Replace(httpRouteDoc("api", "api.example.com", "/", "api"), "backendRefs: [{name: api, port: 80}]",
		"backendRefs: [{name: api, port: 80, weight: 3}, {name: other, port: 80}], filters: [{type: RequestMirror, requestMirror: {backendRef: {name: api, port: 80}}}]", 1)
	m, _ := loadDir(t, map[string]string{
		"api.yaml": changeGateway + "---\n" + weighted + "---\n" + serviceDoc + "---\n" + sliceDoc("198.18.0.1"),
	}, ingress.Options{})
	defer m.Close()
	table := m.live.table
	require.NoError(t, m.Apply(context.Background(), ingress.Update(decodeOne(t, sliceDoc("198.18.0.2", "198.18.0.3")))))
	assert.Same(t, table, m.live.table, "an endpoints change rebuilt the route table")
	var served []string
	for _, u := range m.handler.Upstreams() {
		if u.Upstream.Name == "default/api:80" {
			for _, e := range u.Endpoints {
				served = append(served, e.Address)
			}
		}
	}
	assert.Equal(t, []string{"198.18.0.2:8080", "198.18.0.3:8080"}, served)
	rule := m.Compiled().Table.Match("api.example.com", "/")
	require.NotNil(t, rule)
	assert.Equal(t, []string{"198.18.0.2:8080", "198.18.0.3:8080"}, upstreamsOf(rule.Value.(*proxy.Route))[0].Endpoints)
}
