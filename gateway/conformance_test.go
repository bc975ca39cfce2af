package gateway

import "testing"

// conformanceCase is one test of the Gateway API conformance suite, ported:
// its manifest (adapted into testdata/conformance) loaded beside the
// suite's base objects, its requests sent through the real proxy handler
// to echo backends, and the status conditions it asserts.
type conformanceCase struct {
	name       string
	manifest   string
	exchanges  []exchange
	conditions []wantCondition
}

// conformanceCases are the ported tests of the GATEWAY-HTTP profile whose
// features this package implements; the package documentation lists the
// others and why they are not here.
var conformanceCases = []conformanceCase{
	{name: "GatewayHTTPListenerIsolation", manifest: "gateway-http-listener-isolation",
		exchanges: []exchange{
			{req: "GET bar.com/empty-hostname", backend: "infra-backend-v1"},
			{req: "GET bar.com/wildcard-example-com", status: 404},
			{req: "GET bar.com/wildcard-foo-example-com", status: 404},
			{req: "GET bar.com/abc-foo-example-com", status: 404},
			{req: "GET bar.example.com/empty-hostname", status: 404},
			{req: "GET bar.example.com/wildcard-example-com", backend: "infra-backend-v1"},
			{req: "GET bar.example.com/wildcard-foo-example-com", status: 404},
			{req: "GET bar.example.com/abc-foo-example-com", status: 404},
			{req: "GET bar.foo.example.com/empty-hostname", status: 404},
			{req: "GET bar.foo.example.com/wildcard-example-com", status: 404},
			{req: "GET bar.foo.example.com/wildcard-foo-example-com", backend: "infra-backend-v1"},
			{req: "GET bar.foo.example.com/abc-foo-example-com", status: 404},
			{req: "GET abc.foo.example.com/empty-hostname", status: 404},
			{req: "GET abc.foo.example.com/wildcard-example-com", status: 404},
			{req: "GET abc.foo.example.com/wildcard-foo-example-com", status: 404},
			{req: "GET abc.foo.example.com/abc-foo-example-com", backend: "infra-backend-v1"},
		},
	},
	{name: "HTTPRouteCORS", manifest: "httproute-cors",
		exchanges: []exchange{
			{req: "OPTIONS /cors-1", headers: []string{"Origin: https://www.foo.com", "access-control-request-method: GET", "access-control-request-headers: x-header-1, x-header-2"}, statuses: []int{200, 204}},
			{req: "OPTIONS /cors-1", headers: []string{"Origin: https://www.bar.com", "access-control-request-method: GET", "access-control-request-headers: x-header-1, x-header-2"}, statuses: []int{200, 204}},
			{req: "OPTIONS /cors-1", headers: []string{"Origin: https://xpto.www.bar.com", "access-control-request-method: GET", "access-control-request-headers: x-header-1, x-header-2"}, statuses: []int{200, 204}},
			{req: "OPTIONS /cors-1", headers: []string{"Origin: https://foobar.com", "access-control-request-method: GET"}, statuses: []int{200, 204, 403}, resAbsent: []string{"access-control-allow-origin"}},
			{req: "GET /cors-1", headers: []string{"Origin: https://www.foo.com", "access-control-request-method: GET", "access-control-request-headers: x-header-1, x-header-2"}, status: 200, resHeaders: []string{"access-control-allow-origin: https://www.foo.com"}},
			{req: "GET /cors-1", headers: []string{"Origin: https://www.bar.com", "access-control-request-method: GET", "access-control-request-headers: x-header-1, x-header-2"}, status: 200, resHeaders: []string{"access-control-allow-origin: https://www.bar.com"}},
			{req: "GET /cors-1", headers: []string{"Origin: https://foobar.com", "access-control-request-method: GET"}, resAbsent: []string{"access-control-allow-origin"}},
			{req: "OPTIONS /cors-2", headers: []string{"Origin: https://www.foo.com", "access-control-request-method: POST"}, statuses: []int{200, 204}, resHeaders: []string{"access-control-allow-origin: https://www.foo.com"}, resAbsent: []string{"access-control-allow-credentials"}},
			{req: "OPTIONS /cors-2", headers: []string{"Origin: https://www.foo.com", "access-control-request-method: POST"}, statuses: []int{200, 204}, resAbsent: []string{"Access-Control-Allow-Credentials"}},
			{req: "OPTIONS /cors-wildcard-origin", headers: []string{"Origin: https://foobar.com", "access-control-request-method: PUT"}, statuses: []int{200, 204}, resAbsent: []string{"Access-Control-Allow-Credentials"}},
			{req: "OPTIONS /cors-wildcard-origin", headers: []string{"Origin: https://foobar.com:12345", "access-control-request-method: PUT"}, statuses: []int{200, 204}, resAbsent: []string{"Access-Control-Allow-Credentials"}},
			{req: "PUT /cors-wildcard-origin", headers: []string{"Origin: https://foobar.com:12345"}, status: 200},
			{req: "PUT /cors-wildcard-origin", headers: []string{"Origin: https://foobar.com"}, status: 200, resAbsent: []string{"Access-Control-Allow-Credentials"}},
			{req: "OPTIONS /cors-wildcard-methods-headers", headers: []string{"Origin: https://other.foo.com", "access-control-request-method: PUT", "access-control-request-headers: x-header-1, x-header-2"}, statuses: []int{200, 204}},
			{req: "OPTIONS /cors-wildcard-methods-headers-unauth", headers: []string{"Origin: https://other.foo.com", "access-control-request-method: PUT", "access-control-request-headers: x-header-1, x-header-2"}, statuses: []int{200, 204}, resAbsent: []string{"access-control-allow-credentials"}},
			{req: "GET /cors-wildcard-methods-headers", headers: []string{"Origin: https://other.foo.com"}, status: 200},
			{req: "GET /cors-wildcard-methods-headers-unauth", headers: []string{"Origin: https://other.foo.com"}, status: 200, resAbsent: []string{"access-control-allow-credentials"}},
		},
	},
	{name: "HTTPRouteCrossNamespace", manifest: "httproute-cross-namespace",
		exchanges: []exchange{
			{req: "GET /", backend: "web-backend", status: 200},
		},
		conditions: []wantCondition{
			{"HTTPRoute", "gateway-conformance-web-backend/cross-namespace", "backend-namespaces", "Accepted", true, "Accepted"},
		},
	},
	{name: "HTTPRouteDisallowedKind", manifest: "httproute-disallowed-kind",
		conditions: []wantCondition{
			{"HTTPRoute", "gateway-conformance-infra/disallowed-kind", "tlsroutes-only", "Accepted", false, "NotAllowedByListeners"},
		},
	},
	{name: "HTTPRouteExactPathMatching", manifest: "httproute-exact-path-matching",
		exchanges: []exchange{
			{req: "GET /one", backend: "infra-backend-v1"},
			{req: "GET /two", backend: "infra-backend-v2"},
			{req: "GET /", status: 404},
			{req: "GET /one/example", status: 404},
			{req: "GET /two/", status: 404},
			{req: "GET /Two", status: 404},
		},
	},
	{name: "HTTPRouteHeaderMatching", manifest: "httproute-header-matching",
		exchanges: []exchange{
			{req: "GET /", headers: []string{"Version: one"}, backend: "infra-backend-v1"},
			{req: "GET /", headers: []string{"Version: two"}, backend: "infra-backend-v2"},
			{req: "GET /", headers: []string{"Version: two", "Color: orange"}, backend: "infra-backend-v1"},
			{req: "GET /", headers: []string{"Version: two", "Color: blue"}, backend: "infra-backend-v2"},
			{req: "GET /", headers: []string{"Color: orange"}, status: 404},
			{req: "GET /", headers: []string{"Some-Other-Header: one"}, status: 404},
			{req: "GET /", headers: []string{"Color: blue"}, backend: "infra-backend-v1"},
			{req: "GET /", headers: []string{"Color: green"}, backend: "infra-backend-v1"},
			{req: "GET /", headers: []string{"Color: red"}, backend: "infra-backend-v2"},
			{req: "GET /", headers: []string{"Color: yellow"}, backend: "infra-backend-v2"},
			{req: "GET /", headers: []string{"Color: purple"}, status: 404},
		},
	},
	{name: "HTTPRouteHostnameIntersection", manifest: "httproute-hostname-intersection",
		exchanges: []exchange{
			{req: "GET very.specific.com/s1", backend: "infra-backend-v1"},
			{req: "GET very.specific.com:1234/s1", backend: "infra-backend-v1"},
			{req: "GET non.matching.com/s1", status: 404},
			{req: "GET foo.nonmatchingwildcard.io/s1", status: 404},
			{req: "GET foo.wildcard.io/s1", status: 404},
			{req: "GET very.specific.com/non-matching-prefix", status: 404},
			{req: "GET foo.wildcard.io/s2", backend: "infra-backend-v2"},
			{req: "GET bar.wildcard.io/s2", backend: "infra-backend-v2"},
			{req: "GET foo.bar.wildcard.io/s2", backend: "infra-backend-v2"},
			{req: "GET non.matching.com/s2", status: 404},
			{req: "GET wildcard.io/s2", status: 404},
			{req: "GET very.specific.com/s2", status: 404},
			{req: "GET foo.wildcard.io/non-matching-prefix", status: 404},
			{req: "GET very.specific.com/s3", backend: "infra-backend-v3"},
			{req: "GET non.matching.com/s3", status: 404},
			{req: "GET foo.specific.com/s3", status: 404},
			{req: "GET foo.wildcard.io/s3", status: 404},
			{req: "GET very.specific.com/non-matching-prefix", status: 404},
			{req: "GET foo.anotherwildcard.io/s4", backend: "infra-backend-v1"},
			{req: "GET bar.anotherwildcard.io/s4", backend: "infra-backend-v1"},
			{req: "GET foo.bar.anotherwildcard.io/s4", backend: "infra-backend-v1"},
			{req: "GET anotherwildcard.io/s4", status: 404},
			{req: "GET foo.wildcard.io/s4", status: 404},
			{req: "GET very.specific.com/s4", status: 404},
			{req: "GET foo.anotherwildcard.io/non-matching-prefix", status: 404},
			{req: "GET specific.but.wrong.com/s5", status: 404},
			{req: "GET wildcard.io/s5", status: 404},
			{req: "GET first.com/", backend: "infra-backend-v2"},
			{req: "GET sub.first.com/", backend: "infra-backend-v2"},
			{req: "GET second.com/", backend: "infra-backend-v2"},
			{req: "GET sub.second.com/", backend: "infra-backend-v2"},
			{req: "GET third.com/", status: 404},
			{req: "GET sub.third.com/", status: 404},
		},
		conditions: []wantCondition{
			{"HTTPRoute", "gateway-conformance-infra/no-intersecting-hosts", "httproute-hostname-intersection", "Accepted", false, "NoMatchingListenerHostname"},
			{"HTTPRoute", "gateway-conformance-infra/specific-host-matches-listener-wildcard-host", "httproute-hostname-intersection", "Accepted", true, "Accepted"},
			{"HTTPRoute", "gateway-conformance-infra/wildcard-host-matches-listener-wildcard-host", "httproute-hostname-intersection", "ResolvedRefs", true, "ResolvedRefs"},
		},
	},
	{name: "HTTPRouteInvalidBackendRefUnknownKind", manifest: "httproute-invalid-backendref-unknown-kind",
		exchanges: []exchange{
			{req: "GET /v2", status: 500},
		},
		conditions: []wantCondition{
			{"HTTPRoute", "gateway-conformance-infra/invalid-backend-ref-unknown-kind", "same-namespace", "ResolvedRefs", false, "InvalidKind"},
		},
	},
	{name: "HTTPRouteInvalidCrossNamespaceBackendRef", manifest: "httproute-invalid-cross-namespace-backend-ref",
		exchanges: []exchange{
			{req: "GET /", status: 500},
		},
		conditions: []wantCondition{
			{"HTTPRoute", "gateway-conformance-infra/invalid-cross-namespace-backend-ref", "same-namespace", "ResolvedRefs", false, "RefNotPermitted"},
		},
	},
	{name: "HTTPRouteInvalidCrossNamespaceParentRef", manifest: "httproute-invalid-cross-namespace-parent-ref",
		conditions: []wantCondition{
			{"HTTPRoute", "gateway-conformance-web-backend/invalid-cross-namespace-parent-ref", "same-namespace", "Accepted", false, "NotAllowedByListeners"},
		},
	},
	{name: "HTTPRouteInvalidNonExistentBackendRef", manifest: "httproute-invalid-nonexistent-backendref",
		exchanges: []exchange{
			{req: "GET /", status: 500},
		},
		conditions: []wantCondition{
			{"HTTPRoute", "gateway-conformance-infra/invalid-nonexistent-backend-ref", "same-namespace", "ResolvedRefs", false, "BackendNotFound"},
		},
	},
	{name: "HTTPRouteInvalidParentRefNotMatchingListenerPort", manifest: "httproute-invalid-parentref-not-matching-listener-port",
		conditions: []wantCondition{
			{"HTTPRoute", "gateway-conformance-infra/httproute-listener-not-matching-route-port", "same-namespace", "Accepted", false, "NoMatchingParent"},
		},
	},
	{name: "HTTPRouteInvalidParentRefNotMatchingSectionName", manifest: "httproute-invalid-parentref-not-matching-section-name",
		conditions: []wantCondition{
			{"HTTPRoute", "gateway-conformance-infra/httproute-listener-not-matching-section-name", "same-namespace", "Accepted", false, "NoMatchingParent"},
		},
	},
	{name: "HTTPRouteInvalidReferenceGrant", manifest: "httproute-invalid-reference-grant",
		exchanges: []exchange{
			{req: "GET /", backend: "web-backend", status: 500},
		},
		conditions: []wantCondition{
			{"HTTPRoute", "gateway-conformance-infra/reference-grant", "same-namespace", "ResolvedRefs", false, "RefNotPermitted"},
		},
	},
	{name: "HTTPRouteListenerHostnameMatching", manifest: "httproute-listener-hostname-matching",
		exchanges: []exchange{
			{req: "GET bar.com/", backend: "infra-backend-v1"},
			{req: "GET foo.bar.com/", backend: "infra-backend-v2"},
			{req: "GET baz.bar.com/", backend: "infra-backend-v3"},
			{req: "GET boo.bar.com/", backend: "infra-backend-v3"},
			{req: "GET multiple.prefixes.bar.com/", backend: "infra-backend-v3"},
			{req: "GET multiple.prefixes.foo.com/", backend: "infra-backend-v3"},
			{req: "GET foo.com/", status: 404},
			{req: "GET no.matching.host/", status: 404},
		},
	},
	{name: "HTTPRouteMatching", manifest: "httproute-matching",
		exchanges: []exchange{
			{req: "GET /", backend: "infra-backend-v1"},
			{req: "GET /example", backend: "infra-backend-v1"},
			{req: "GET /", headers: []string{"Version: one"}, backend: "infra-backend-v1"},
			{req: "GET /v2", backend: "infra-backend-v2"},
			{req: "GET /v2/example", backend: "infra-backend-v2"},
			{req: "GET /", headers: []string{"Version: two"}, backend: "infra-backend-v2"},
			{req: "GET /v2/", backend: "infra-backend-v2"},
			{req: "GET /v2example", backend: "infra-backend-v1"},
			{req: "GET /foo/v2/example", backend: "infra-backend-v1"},
		},
	},
	{name: "HTTPRouteMatchingAcrossRoutes", manifest: "httproute-matching-across-routes",
		exchanges: []exchange{
			{req: "GET example.com/", backend: "infra-backend-v1"},
			{req: "GET example.com/example", backend: "infra-backend-v1"},
			{req: "GET example.net/example", backend: "infra-backend-v1"},
			{req: "GET example.com/example", headers: []string{"Version: one"}, backend: "infra-backend-v1"},
			{req: "GET example.com/v2", backend: "infra-backend-v2"},
			{req: "GET example.net/v2", backend: "infra-backend-v1"},
			{req: "GET example.com/v2/example", backend: "infra-backend-v2"},
			{req: "GET example.com/", headers: []string{"Version: two"}, backend: "infra-backend-v2"},
		},
	},
	{name: "HTTPRouteMethodMatching", manifest: "httproute-method-matching",
		exchanges: []exchange{
			{req: "POST /", backend: "infra-backend-v1"},
			{req: "GET /", backend: "infra-backend-v2"},
			{req: "HEAD /", status: 404},
			{req: "GET /path1", backend: "infra-backend-v1"},
			{req: "PUT /", headers: []string{"version: one"}, backend: "infra-backend-v2"},
			{req: "POST /path2", headers: []string{"version: two"}, backend: "infra-backend-v3"},
			{req: "PATCH /path3", backend: "infra-backend-v1"},
			{req: "DELETE /path4", headers: []string{"version: three"}, backend: "infra-backend-v1"},
			{req: "PUT /", status: 404},
			{req: "DELETE /path4", status: 404},
			{req: "PATCH /path5", backend: "infra-backend-v1"},
			{req: "PATCH /", headers: []string{"version: four"}, backend: "infra-backend-v2"},
		},
	},
	{name: "HTTPRouteNamedRule", manifest: "httproute-named-rule",
		exchanges: []exchange{
			{req: "GET /named", backend: "infra-backend-v1"},
			{req: "GET /unnamed", backend: "infra-backend-v2"},
		},
	},
	{name: "HTTPRouteOmittedBackendRefs", manifest: "httproute-omitted-backendrefs",
		exchanges: []exchange{
			{req: "GET /forward", backend: "infra-backend-v1"},
			{req: "GET /omitted-no-forward", status: 500},
			{req: "GET /empty-no-forward", status: 500},
		},
	},
	{name: "HTTPRoutePartiallyInvalidViaInvalidReferenceGrant", manifest: "httproute-partially-invalid-via-invalid-reference-grant",
		exchanges: []exchange{
			{req: "GET /v2", status: 500},
			{req: "GET /", backend: "app-backend-v1", status: 200},
		},
		conditions: []wantCondition{
			{"HTTPRoute", "gateway-conformance-infra/invalid-reference-grant", "same-namespace", "ResolvedRefs", false, "RefNotPermitted"},
		},
	},
	{name: "HTTPRoutePathMatchOrder", manifest: "httproute-path-match-order",
		exchanges: []exchange{
			{req: "GET /match/exact/one", backend: "infra-backend-v3"},
			{req: "GET /match/exact", backend: "infra-backend-v2"},
			{req: "GET /match", backend: "infra-backend-v1"},
			{req: "GET /match/prefix/one/any", backend: "infra-backend-v2"},
			{req: "GET /match/prefix/any", backend: "infra-backend-v1"},
			{req: "GET /match/any", backend: "infra-backend-v3"},
		},
	},
	{name: "HTTPRouteQueryParamMatching", manifest: "httproute-query-param-matching",
		exchanges: []exchange{
			{req: "GET /?animal=whale", backend: "infra-backend-v1"},
			{req: "GET /?animal=dolphin", backend: "infra-backend-v2"},
			{req: "GET /?animal=dolphin&color=blue", backend: "infra-backend-v3"},
			{req: "GET /?ANIMAL=Whale", backend: "infra-backend-v3"},
			{req: "GET /?animal=whale&otherparam=irrelevant", backend: "infra-backend-v1"},
			{req: "GET /?animal=dolphin&color=yellow", backend: "infra-backend-v2"},
			{req: "GET /?color=blue", status: 404},
			{req: "GET /?animal=dog", status: 404},
			{req: "GET /?animal=whaledolphin", status: 404},
			{req: "GET /", status: 404},
			{req: "GET /path1?animal=whale", backend: "infra-backend-v1"},
			{req: "GET /?animal=whale", headers: []string{"version: one"}, backend: "infra-backend-v2"},
			{req: "GET /path2?animal=whale", headers: []string{"version: two"}, backend: "infra-backend-v3"},
			{req: "GET /path3?animal=shark", backend: "infra-backend-v1"},
			{req: "GET /path4?animal=kraken", headers: []string{"version: three"}, backend: "infra-backend-v1"},
			{req: "GET /?animal=shark", status: 404},
			{req: "GET /path4?animal=kraken", status: 404},
			{req: "GET /path5?animal=hydra", backend: "infra-backend-v1"},
			{req: "GET /?animal=hydra", headers: []string{"version: four"}, backend: "infra-backend-v3"},
		},
	},
	{name: "HTTPRouteReferenceGrant", manifest: "httproute-reference-grant",
		exchanges: []exchange{
			{req: "GET /", backend: "web-backend", status: 200},
		},
		conditions: []wantCondition{
			{"HTTPRoute", "gateway-conformance-infra/reference-grant", "same-namespace", "ResolvedRefs", true, "ResolvedRefs"},
		},
	},
	{name: "HTTPRouteRequestHeaderModifier", manifest: "httproute-request-header-modifier",
		exchanges: []exchange{
			{req: "GET /set", headers: []string{"Some-Other-Header: val"}, backend: "infra-backend-v1", seenPath: "/set", seen: []string{"Some-Other-Header: val", "X-Header-Set: set-overwrites-values"}},
			{req: "GET /set", headers: []string{"Some-Other-Header: val", "X-Header-Set: some-other-value"}, backend: "infra-backend-v1", seenPath: "/set", seen: []string{"Some-Other-Header: val", "X-Header-Set: set-overwrites-values"}},
			{req: "GET /add", headers: []string{"Some-Other-Header: val"}, backend: "infra-backend-v1", seenPath: "/add", seen: []string{"Some-Other-Header: val", "X-Header-Add: add-appends-values"}},
			{req: "GET /add", headers: []string{"Some-Other-Header: val", "X-Header-Add: some-other-value"}, backend: "infra-backend-v1", seenPath: "/add", seen: []string{"Some-Other-Header: val", "X-Header-Add: some-other-value,add-appends-values"}},
			{req: "GET /remove", headers: []string{"X-Header-Remove: val"}, backend: "infra-backend-v1", seenPath: "/remove", seenAbsent: []string{"X-Header-Remove"}},
			{req: "GET /multiple", headers: []string{"X-Header-Set-2: set-val-2", "X-Header-Add-2: add-val-2", "X-Header-Remove-2: remove-val-2", "Another-Header: another-header-val"}, backend: "infra-backend-v1", seenPath: "/multiple", seen: []string{"X-Header-Set-1: header-set-1", "X-Header-Set-2: header-set-2", "X-Header-Add-1: header-add-1", "X-Header-Add-2: add-val-2,header-add-2", "X-Header-Add-3: header-add-3", "Another-Header: another-header-val"}, seenAbsent: []string{"X-Header-Remove-1", "X-Header-Remove-2"}},
			{req: "GET /case-insensitivity", headers: []string{"x-header-set: original-val-set", "x-header-add: original-val-add", "x-header-remove: original-val-remove", "Another-Header: another-header-val"}, backend: "infra-backend-v1", seenPath: "/case-insensitivity", seen: []string{"X-Header-Set: header-set", "X-Header-Add: original-val-add,header-add", "Another-Header: another-header-val"}, seenAbsent: []string{"x-header-remove", "X-Header-Remove"}},
		},
	},
	{name: "HTTPRouteResponseHeaderModifier", manifest: "httproute-response-header-modifier",
		exchanges: []exchange{
			{req: "GET /set", backend: "infra-backend-v1", backendSets: []string{"Some-Other-Header: val"}, resHeaders: []string{"Some-Other-Header: val", "X-Header-Set: set-overwrites-values"}},
			{req: "GET /set", backend: "infra-backend-v1", backendSets: []string{"Some-Other-Header: val", "X-Header-Set: some-other-value"}, resHeaders: []string{"Some-Other-Header: val", "X-Header-Set: set-overwrites-values"}},
			{req: "GET /add", backend: "infra-backend-v1", backendSets: []string{"Some-Other-Header: val"}, resHeaders: []string{"Some-Other-Header: val", "X-Header-Add: add-appends-values"}},
			{req: "GET /add", backend: "infra-backend-v1", backendSets: []string{"Some-Other-Header: val", "X-Header-Add: some-other-value"}, resHeaders: []string{"Some-Other-Header: val", "X-Header-Add: some-other-value,add-appends-values"}},
			{req: "GET /remove", backend: "infra-backend-v1", backendSets: []string{"X-Header-Remove: val"}, resAbsent: []string{"X-Header-Remove"}},
			{req: "GET /multiple", backend: "infra-backend-v1", backendSets: []string{"X-Header-Set-2: set-val-2", "X-Header-Add-2: add-val-2", "X-Header-Remove-2: remove-val-2", "Another-Header: another-header-val", "X-Header-Remove-1: val"}, resHeaders: []string{"X-Header-Set-1: header-set-1", "X-Header-Set-2: header-set-2", "X-Header-Add-1: header-add-1", "X-Header-Add-2: add-val-2,header-add-2", "X-Header-Add-3: header-add-3", "Another-Header: another-header-val"}, resAbsent: []string{"X-Header-Remove-1", "X-Header-Remove-2"}},
			{req: "GET /case-insensitivity", backend: "infra-backend-v1", backendSets: []string{"x-header-set: original-val-set", "x-header-add: original-val-add", "x-header-remove: original-val-remove", "Another-Header: another-header-val"}, resHeaders: []string{"X-Header-Set: header-set", "X-Header-Add: original-val-add,header-add", "X-Lowercase-Add: lowercase-add", "X-Mixedcase-Add-1: mixedcase-add-1", "X-Mixedcase-Add-2: mixedcase-add-2", "X-Uppercase-Add: uppercase-add", "Another-Header: another-header-val"}, resAbsent: []string{"x-header-remove", "X-Header-Remove"}},
			{req: "GET /response-and-request-header-modifiers", headers: []string{"X-Header-Remove: remove-val", "X-Header-Add-Append: append-val-1", "X-Header-Echo: echo"}, backend: "infra-backend-v1", backendSets: []string{"X-Header-Set-2: set-val-2", "X-Header-Add-2: add-val-2", "X-Header-Remove-2: remove-val-2", "Another-Header: another-header-val", "X-Header-Remove-1: remove-val-1", "X-Header-Echo: echo"}, seenPath: "/response-and-request-header-modifiers", seen: []string{"X-Header-Add: header-val-1", "X-Header-Set: set-overwrites-values", "X-Header-Add-Append: append-val-1,header-val-2", "X-Header-Echo: echo"}, seenAbsent: []string{"X-Header-Remove"}, resHeaders: []string{"X-Header-Set-1: header-set-1", "X-Header-Set-2: header-set-2", "X-Header-Add-1: header-add-1", "X-Header-Add-2: add-val-2,header-add-2", "Another-Header: another-header-val", "X-Header-Echo: echo"}, resAbsent: []string{"X-Header-Remove-1", "X-Header-Remove-2"}},
		},
	},
	{name: "HTTPRouteSimpleSameNamespace", manifest: "httproute-simple-same-namespace",
		exchanges: []exchange{
			{req: "GET /", backend: "infra-backend-v1", status: 200},
		},
		conditions: []wantCondition{
			{"HTTPRoute", "gateway-conformance-infra/gateway-conformance-infra-test", "same-namespace", "Accepted", true, "Accepted"},
			{"HTTPRoute", "gateway-conformance-infra/gateway-conformance-infra-test", "same-namespace", "ResolvedRefs", true, "ResolvedRefs"},
		},
	},
}

func TestConformance(t *testing.T) {
	for _, cc := range conformanceCases {
		t.Run(cc.name, func(t *testing.T) {
			set := loadManifests(t, cc.manifest)
			h, out := serveSet(t, set, Options{Backends: echoBackends(t, set)})
			for _, e := range cc.exchanges {
				e.run(t, h)
			}
			for _, c := range cc.conditions {
				c.check(t, out.Status)
			}
		})
	}
}

// TestConformanceListenerIsolationIntersection runs GatewayHTTPListenerIsolation's
// requests against its second Gateway, whose routes name hostnames that
// also intersect less specific listeners: each request must still be
// served by the routes of the most specific listener only.
func TestConformanceListenerIsolationIntersection(t *testing.T) {
	var cc conformanceCase
	for _, c := range conformanceCases {
		if c.name == "GatewayHTTPListenerIsolation" {
			cc = c
		}
	}
	if len(cc.exchanges) == 0 {
		t.Fatal("no GatewayHTTPListenerIsolation case")
	}
	set := loadManifests(t, "gateway-http-listener-isolation-with-hostname-intersection")
	h, _ := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	for _, e := range cc.exchanges {
		e.run(t, h)
	}
}
