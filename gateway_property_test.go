package ingressmux

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// TestIncrementalMatchesLoadWithGateway is the one-truth property with
// both front ends: random sequences of adds, updates and deletes of
// Ingresses, Gateway API objects and the Services, EndpointSlices,
// Secrets, ConfigMaps and Namespaces they read, applied through Apply and
// ReplaceObjects, give after every step the compiled and the served
// table (rules and their origins), warnings, Gateway API status and
// certificates that LoadObjects gives for the same objects from scratch;
// and a change that fails is one a fresh load refuses too, after which
// nothing changed.
//
// INGRESSMUX_PROPERTY_DURATION (such as "10m") runs sequences for that
// long instead of the short fixed run; INGRESSMUX_PROPERTY_SEED starts the
// short run at that seed.
func TestIncrementalMatchesLoadWithGateway(t *testing.T) {
	deadline := time.Time{}
	if d := os.Getenv("INGRESSMUX_PROPERTY_DURATION"); d != "" {
		dur, err := time.ParseDuration(d)
		if err != nil {
			t.Fatalf("INGRESSMUX_PROPERTY_DURATION: %v", err)
		}
		deadline = time.Now().Add(dur)
	}
	first := uint64(1)
	if s := os.Getenv("INGRESSMUX_PROPERTY_SEED"); s != "" {
		// Replays the sequence of one seed, as a failure names it.
		if _, err := fmt.Sscan(s, &first); err != nil {
			t.Fatalf("INGRESSMUX_PROPERTY_SEED: %v", err)
		}
		deadline = time.Time{}
	}
	sequences, steps, failed := 0, 0, 0
	for seed := first; ; seed++ {
		if deadline.IsZero() && seed >= first+10 || !deadline.IsZero() && time.Now().After(deadline) {
			break
		}
		n, f := runMixedSequence(t, seed, 50)
		steps, failed = steps+n, failed+f
		sequences++
		if t.Failed() {
			return
		}
	}
	t.Logf("%d sequences, %d changes (%d refused) checked against a fresh load", sequences, steps, failed)
}

// mixedModel is the objects a Mux should hold, in load order: an update
// in place, an add at the end.
type mixedModel struct {
	keys []string
	objs []any
}

// objectKey names an object of any kind.
func modelKey(obj any) string {
	m := reflect.ValueOf(obj).Field(0).Interface().(interface {
		GetNamespace() string
		GetName() string
	})
	return fmt.Sprintf("%T %s/%s", obj, m.GetNamespace(), m.GetName())
}

// with returns the model with c applied.
func (m mixedModel) with(c ingress.Change) mixedModel {
	key := modelKey(c.Object)
	i := slices.Index(m.keys, key)
	out := mixedModel{keys: slices.Clone(m.keys), objs: slices.Clone(m.objs)}
	switch {
	case c.Op == ingress.Deleted && i >= 0:
		out.keys = slices.Delete(out.keys, i, i+1)
		out.objs = slices.Delete(out.objs, i, i+1)
	case c.Op == ingress.Deleted:
	case i >= 0:
		out.objs[i] = c.Object
	default:
		out.keys = append(out.keys, key)
		out.objs = append(out.objs, c.Object)
	}
	return out
}

// set returns the model's objects as a Set.
func (m mixedModel) set() *ingress.Set {
	s := &ingress.Set{}
	for _, o := range m.objs {
		switch v := o.(type) {
		case ingress.Ingress:
			s.Ingresses = append(s.Ingresses, v)
		case ingress.Service:
			s.Services = append(s.Services, v)
		case ingress.EndpointSlice:
			s.EndpointSlices = append(s.EndpointSlices, v)
		case ingress.Secret:
			s.Secrets = append(s.Secrets, v)
		case ingress.ConfigMap:
			s.ConfigMaps = append(s.ConfigMaps, v)
		case ingress.Namespace:
			s.Namespaces = append(s.Namespaces, v)
		case ingress.GatewayClass:
			s.GatewayClasses = append(s.GatewayClasses, v)
		case ingress.Gateway:
			s.Gateways = append(s.Gateways, v)
		case ingress.HTTPRoute:
			s.HTTPRoutes = append(s.HTTPRoutes, v)
		case ingress.GRPCRoute:
			s.GRPCRoutes = append(s.GRPCRoutes, v)
		case ingress.ReferenceGrant:
			s.ReferenceGrants = append(s.ReferenceGrants, v)
		case ingress.BackendTLSPolicy:
			s.BackendTLSPolicies = append(s.BackendTLSPolicies, v)
		}
	}
	return s
}

var propertyConfig = Config{Logger: slog.New(slog.DiscardHandler)}

// runMixedSequence applies n random changes to a Mux and checks each; it
// returns how many changes it checked and how many were refused.
func runMixedSequence(t *testing.T, seed uint64, n int) (int, int) {
	t.Helper()
	ctx := context.Background()
	g := newMixedGen(t, seed)
	var model mixedModel
	// A start that loads: a class, a Gateway, a route and what they use.
	for _, o := range []any{g.gatewayClass(), g.gateway(), g.httpRoute(), g.service(), g.ingress(), g.secret()} {
		next := model.with(ingress.Add(o))
		if fresh, err := LoadObjects(ctx, propertyConfig, next.set()); err == nil {
			fresh.Close()
			model = next
		}
	}
	m, err := LoadObjects(ctx, propertyConfig, model.set())
	if err != nil {
		t.Fatalf("seed %d: the start does not load: %v", seed, err)
	}
	defer m.Close()
	failed := 0
	for step := 1; step <= n; step++ {
		var c ingress.Change
		if len(model.objs) > 0 && g.r.IntN(4) == 0 {
			c = ingress.Delete(model.objs[g.r.IntN(len(model.objs))])
		} else {
			c = ingress.Change{Op: ingress.Op(g.r.IntN(2)), Object: g.object()}
		}
		next := model.with(c)
		before := m.Compiled()
		how := "Apply"
		if step%5 == 0 {
			how = "ReplaceObjects"
			err = m.ReplaceObjects(ctx, next.set())
		} else {
			err = m.Apply(ctx, c)
		}
		if err != nil {
			failed++
			if fresh, ferr := LoadObjects(ctx, propertyConfig, next.set()); ferr == nil {
				fresh.Close()
				t.Fatalf("seed %d step %d: %s(%s %s) failed but a fresh load succeeds: %v", seed, step, how, c.Op, modelKey(c.Object), err)
			}
			if m.Compiled() != before {
				t.Fatalf("seed %d step %d: a failed %s replaced the table", seed, step, how)
			}
		} else {
			model = next
		}
		checkMixed(t, fmt.Sprintf("seed %d step %d (%s %s %s)", seed, step, how, c.Op, modelKey(c.Object)), m, model)
		if t.Failed() {
			return step, failed
		}
	}
	return n, failed
}

// checkMixed compares m with a fresh load of model.
func checkMixed(t *testing.T, at string, m *Mux, model mixedModel) {
	t.Helper()
	want, err := LoadObjects(context.Background(), propertyConfig, model.set())
	if err != nil {
		t.Fatalf("%s: the Mux holds objects a fresh load refuses: %v", at, err)
	}
	defer want.Close()
	got, exp := m.Compiled(), want.Compiled()
	sameTables(t, at+": compiled table", got.Table, exp.Table, false)
	sameTables(t, at+": served table", m.live.table, want.live.table, true)
	if g, w := sortedStrings(got.TLS), sortedStrings(exp.TLS); !slices.Equal(g, w) {
		t.Fatalf("%s: TLS hosts differ\nincremental: %v\nfresh:       %v", at, g, w)
	}
	if g, w := sortedStrings(m.Warnings()), sortedStrings(want.Warnings()); !slices.Equal(g, w) {
		t.Fatalf("%s: warnings differ\nincremental:\n%s\nfresh:\n%s", at, strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
	gg, wg := m.Gateway(), want.Gateway()
	if (gg == nil) != (wg == nil) {
		t.Fatalf("%s: Gateway() is %v, fresh %v", at, gg, wg)
	}
	if gg != nil {
		if !reflect.DeepEqual(gg.Status, wg.Status) {
			t.Fatalf("%s: Gateway API status differs\nincremental: %+v\nfresh:       %+v", at, gg.Status, wg.Status)
		}
		if !reflect.DeepEqual(gg.Listeners, wg.Listeners) || !reflect.DeepEqual(gg.TLS, wg.TLS) {
			t.Fatalf("%s: Gateway listeners or TLS differ\nincremental: %v %v\nfresh:       %v %v", at, gg.Listeners, gg.TLS, wg.Listeners, wg.TLS)
		}
		if g, w := sortedStrings(gg.Warnings), sortedStrings(wg.Warnings); !slices.Equal(g, w) {
			t.Fatalf("%s: Gateway warnings differ\nincremental:\n%s\nfresh:\n%s", at, strings.Join(g, "\n"), strings.Join(w, "\n"))
		}
	}
	if g, w := servedEndpoints(m), servedEndpoints(want); !slices.Equal(g, w) {
		t.Fatalf("%s: the proxy's endpoints differ\nincremental: %v\nfresh:       %v", at, g, w)
	}
	if g, w := m.certs.Hosts(), want.certs.Hosts(); !slices.Equal(slices.Sorted(slices.Values(g)), slices.Sorted(slices.Values(w))) {
		t.Fatalf("%s: certificate hosts differ\nincremental: %v\nfresh:       %v", at, g, w)
	}
	for _, host := range append(slices.Clone(mixHosts), "a.w.example.com", "elsewhere.example.org", "") {
		gc, _ := m.certs.GetCertificate(&tls.ClientHelloInfo{ServerName: host})
		wc, _ := want.certs.GetCertificate(&tls.ClientHelloInfo{ServerName: host})
		if g, w := certLabel(m, gc), certLabel(want, wc); g != w {
			t.Fatalf("%s: certificate for %q is %s, fresh %s", at, host, g, w)
		}
	}
}

// servedEndpoints lists the endpoints of the proxy's upstreams, as
// "name: endpoints", sorted and without duplicates: what endpoint pushes
// must keep equal to a fresh load.
func servedEndpoints(m *Mux) []string {
	var out []string
	for _, u := range m.handler.Upstreams() {
		var eps []string
		for _, e := range u.Endpoints {
			eps = append(eps, e.Address)
		}
		out = append(out, fmt.Sprintf("%s: %v", u.Upstream.Name, eps))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sameTables compares two tables rule by rule, with their routes; served
// tables may differ in the endpoints of upstreams, which the proxy was
// given apart.
func sameTables(t *testing.T, what string, got, want *route.Table, served bool) {
	t.Helper()
	if g, w := got.String(), want.String(); g != w {
		t.Fatalf("%s differs\nincremental:\n%s\nfresh:\n%s", what, g, w)
	}
	if g, w := got.Options(), want.Options(); g.RegexInOrder != w.RegexInOrder || !slices.Equal(slices.Sorted(slices.Values(g.DeepWildcards)), slices.Sorted(slices.Values(w.DeepWildcards))) {
		t.Fatalf("%s: options differ\nincremental: %+v\nfresh:       %+v", what, g, w)
	}
	gr, wr := got.Rules(), want.Rules()
	for i := range gr {
		a, b := gr[i], wr[i]
		ra, rb := a.Value.(*proxy.Route), b.Value.(*proxy.Route)
		a.Value, b.Value = nil, nil
		same := sameRoute(ra, rb)
		if served {
			same = sameButEndpoints(ra, rb)
		}
		if !reflect.DeepEqual(a, b) || !same {
			t.Fatalf("%s: rule %s differs\nincremental: %+v %s\nfresh:       %+v %s", what, gr[i], a, routeDump(ra), b, routeDump(rb))
		}
	}
}

// routeDump spells r with its upstreams, for a failure message.
func routeDump(r *proxy.Route) string {
	s := fmt.Sprintf("%+v", *r)
	for _, u := range append([]*proxy.Upstream{r.Upstream, r.DefaultBackend}, backendUpstreams(r)...) {
		if u != nil {
			s += fmt.Sprintf("\n  upstream %+v", *u)
		}
	}
	return s
}

// backendUpstreams lists the upstreams of r's weighted backends and
// mirrors.
func backendUpstreams(r *proxy.Route) []*proxy.Upstream {
	var out []*proxy.Upstream
	for _, b := range r.Backends {
		out = append(out, b.Upstream)
	}
	for _, m := range r.Mirrors {
		out = append(out, m.Upstream)
	}
	return out
}

// sortedStrings returns the values of list as sorted strings.
func sortedStrings[T any](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = fmt.Sprint(v)
	}
	slices.Sort(out)
	return out
}
