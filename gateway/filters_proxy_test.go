package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/rewrite"
)

func TestRequestRedirectTranslation(t *testing.T) {
	str := func(s string) *string { return &s }
	code := func(c int) *int { return &c }
	port := func(p int32) *gatewayv1.PortNumber { return &p }
	host := func(h string) *gatewayv1.PreciseHostname { p := gatewayv1.PreciseHostname(h); return &p }
	for _, tc := range []struct {
		name    string
		f       gatewayv1.HTTPRequestRedirectFilter
		want    rewrite.Redirect
		wantErr string
	}{
		{"default status", gatewayv1.HTTPRequestRedirectFilter{}, rewrite.Redirect{Code: 302}, ""},
		{"every part", gatewayv1.HTTPRequestRedirectFilter{Scheme: str("https"), Hostname: host("example.org"), Port: port(8443), StatusCode: code(308),
			Path: &gatewayv1.HTTPPathModifier{Type: gatewayv1.PrefixMatchHTTPPathModifier, ReplacePrefixMatch: str("/new")}},
			rewrite.Redirect{Code: 308, Scheme: "https", Hostname: "example.org", Port: 8443, Path: &rewrite.PathModifier{Prefix: true, Value: "/new"}}, ""},
		{"full path", gatewayv1.HTTPRequestRedirectFilter{Path: &gatewayv1.HTTPPathModifier{Type: gatewayv1.FullPathHTTPPathModifier, ReplaceFullPath: str("/x")}},
			rewrite.Redirect{Code: 302, Path: &rewrite.PathModifier{Value: "/x"}}, ""},
		{"unknown status", gatewayv1.HTTPRequestRedirectFilter{StatusCode: code(304)}, rewrite.Redirect{}, "status code 304"},
		{"unknown scheme", gatewayv1.HTTPRequestRedirectFilter{Scheme: str("ftp")}, rewrite.Redirect{}, `Scheme: invalid value "ftp"`},
		{"unknown path type", gatewayv1.HTTPRequestRedirectFilter{Path: &gatewayv1.HTTPPathModifier{Type: "ReplaceRegex"}}, rewrite.Redirect{}, `path: type "ReplaceRegex" is not supported`},
		{"type without value", gatewayv1.HTTPRequestRedirectFilter{Path: &gatewayv1.HTTPPathModifier{Type: gatewayv1.FullPathHTTPPathModifier}}, rewrite.Redirect{}, "replaceFullPath must be given"},
		{"port 0", gatewayv1.HTTPRequestRedirectFilter{Port: port(0)}, rewrite.Redirect{}, "port 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := requestRedirect(&tc.f)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Code != tc.want.Code || got.Scheme != tc.want.Scheme || got.Hostname != tc.want.Hostname || got.Port != tc.want.Port ||
				(got.Path == nil) != (tc.want.Path == nil) || got.Path != nil && *got.Path != *tc.want.Path {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestMirrorShare(t *testing.T) {
	i32 := func(v int32) *int32 { return &v }
	for _, tc := range []struct {
		f        gatewayv1.HTTPRequestMirrorFilter
		num, den int
		wantErr  string
	}{
		{gatewayv1.HTTPRequestMirrorFilter{}, 0, 0, ""},
		{gatewayv1.HTTPRequestMirrorFilter{Percent: i32(20)}, 20, 100, ""},
		{gatewayv1.HTTPRequestMirrorFilter{Percent: i32(0)}, 0, 100, ""},
		{gatewayv1.HTTPRequestMirrorFilter{Fraction: &gatewayv1.Fraction{Numerator: 25, Denominator: i32(50)}}, 25, 50, ""},
		{gatewayv1.HTTPRequestMirrorFilter{Fraction: &gatewayv1.Fraction{Numerator: 7}}, 7, 100, ""},
		{gatewayv1.HTTPRequestMirrorFilter{Percent: i32(101)}, 0, 0, "percent 101"},
		{gatewayv1.HTTPRequestMirrorFilter{Fraction: &gatewayv1.Fraction{Numerator: 3, Denominator: i32(2)}}, 0, 0, "fraction 3/2"},
		{gatewayv1.HTTPRequestMirrorFilter{Percent: i32(1), Fraction: &gatewayv1.Fraction{Numerator: 1}}, 0, 0, "cannot both"},
	} {
		num, den, err := mirrorShare(&tc.f)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%+v: error = %v, want %q", tc.f, err, tc.wantErr)
			}
			continue
		}
		if err != nil || num != tc.num || den != tc.den {
			t.Errorf("%+v: got %d/%d, %v; want %d/%d", tc.f, num, den, err, tc.num, tc.den)
		}
	}
}

func TestRouteTimeouts(t *testing.T) {
	d := func(s string) *gatewayv1.Duration { v := gatewayv1.Duration(s); return &v }
	for _, tc := range []struct {
		name                   string
		t                      gatewayv1.HTTPRouteTimeouts
		request, backend, idle time.Duration
		wantProblem            string
	}{
		{"both", gatewayv1.HTTPRouteTimeouts{Request: d("10s"), BackendRequest: d("500ms")}, 10 * time.Second, 500 * time.Millisecond, 0, ""},
		{"zero turns off", gatewayv1.HTTPRouteTimeouts{Request: d("0s")}, 0, 0, 0, ""},
		{"longer than the idle timeouts", gatewayv1.HTTPRouteTimeouts{Request: d("1h30m")}, 90 * time.Minute, 0, 90 * time.Minute, ""},
		{"invalid", gatewayv1.HTTPRouteTimeouts{BackendRequest: d("10parsecs")}, 0, 0, 0, `timeouts.backendRequest: invalid duration "10parsecs"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rt proxy.Route
			problems := routeTimeouts(&rt, &tc.t)
			if rt.RequestTimeout != tc.request || rt.BackendTimeout != tc.backend || rt.ReadTimeout != tc.idle || rt.SendTimeout != tc.idle {
				t.Errorf("got request %v backend %v read %v send %v", rt.RequestTimeout, rt.BackendTimeout, rt.ReadTimeout, rt.SendTimeout)
			}
			if tc.wantProblem == "" && len(problems) > 0 || tc.wantProblem != "" && (len(problems) != 1 || problems[0] != tc.wantProblem) {
				t.Errorf("problems = %q, want %q", problems, tc.wantProblem)
			}
		})
	}
}

// TestInvalidFilters checks what passes validation but is not served as
// written: a mirror of a Service that does not exist is dropped (the
// request is served, the route's ResolvedRefs is False), a redirect on a
// backendRef rejects its rule (500), an unresolved weighted backend
// answers its share with 500, and only zero weights answer 500.
func TestInvalidFilters(t *testing.T) {
	set := loadManifests(t, "../filters/invalid-filters")
	rec := recordingBackends(t, set)
	h, out := serveSet(t, set, Options{Backends: rec.overrides})
	for _, e := range []exchange{
		{req: "GET /missing-mirror", backend: "infra-backend-v1"},
		{req: "GET /zero", status: 500},
		{req: "GET /backend-redirect", status: 500},
	} {
		e.run(t, h)
	}
	codes := map[int]int{}
	for range 200 {
		codes[serveCode(h, "/weights")]++
	}
	if codes[200] == 0 || codes[500] == 0 || codes[200]+codes[500] != 200 {
		t.Errorf("weights 1/1 with one backend unresolved: %v, want both 200 and 500", codes)
	}
	wantCondition{"HTTPRoute", "gateway-conformance-infra/invalid-filters", "same-namespace", "ResolvedRefs", false, "BackendNotFound"}.check(t, out.Status)
	var warnings []string
	for _, w := range out.Warnings {
		warnings = append(warnings, w.Field+": "+w.Message)
	}
	all := strings.Join(warnings, "\n")
	for _, want := range []string{
		"spec.rules[0].filters[0].requestMirror.backendRef:",
		"no copies are sent to it",
		"spec.rules[3].backendRefs[0].filters[0]: filter RequestRedirect is not supported on a backendRef",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
}

// serveCode sends GET path through h and returns the status.
func serveCode(h http.Handler, path string) int {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://gateway.example"+path, nil))
	return w.Code
}
