package ingress

import (
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestTrackerMatchesFullCompile is the one-truth property: random
// sequences of adds, updates and deletes applied through a Tracker give,
// after every step, the table, TLS hosts and warnings that Load's pipeline
// (Validate, then Compile) gives for the same objects from scratch; and a
// change the Tracker refuses is one a full compile refuses too.
//
// INGRESSMUX_PROPERTY_DURATION (such as "10m") runs sequences for that
// long instead of the short fixed run.
func TestTrackerMatchesFullCompile(t *testing.T) {
	deadline := time.Time{}
	if d := os.Getenv("INGRESSMUX_PROPERTY_DURATION"); d != "" {
		dur, err := time.ParseDuration(d)
		if err != nil {
			t.Fatalf("INGRESSMUX_PROPERTY_DURATION: %v", err)
		}
		deadline = time.Now().Add(dur)
	}
	optionSets := []Options{
		{},
		{SkipInvalidIngresses: true},
		{IngressClass: "nginx", SkipInvalidIngresses: true},
		{Matching: MatchIngressNginx, SkipInvalidIngresses: true},
	}
	sequences, steps := 0, 0
	for seed := uint64(1); ; seed++ {
		if deadline.IsZero() && seed > 24 || !deadline.IsZero() && time.Now().After(deadline) {
			break
		}
		opts := optionSets[seed%uint64(len(optionSets))]
		steps += runTrackerSequence(t, seed, opts, 60)
		sequences++
		if t.Failed() {
			return
		}
	}
	t.Logf("%d sequences, %d changes checked against a full compile", sequences, steps)
}

// runTrackerSequence applies n random changes and checks each; it returns
// how many changes it checked.
func runTrackerSequence(t *testing.T, seed uint64, opts Options, n int) int {
	t.Helper()
	g := &objectGen{r: rand.New(rand.NewPCG(seed, seed*7919))}
	tr := NewTracker(opts)
	// Start from a set loaded at once, as Reset does for files.
	initial := &Set{}
	for range 8 {
		initial.addObject(g.object())
	}
	dedupe(initial)
	if _, err := tr.Reset(initial); err != nil {
		if _, full := fullCompile(initial, opts); full == nil {
			t.Fatalf("seed %d: Reset failed but a full compile succeeds: %v", seed, err)
		}
	}
	checkTracker(t, seed, 0, tr, opts)
	for step := 1; step <= n; step++ {
		var c Change
		if keys := tr.allEntries(); len(keys) > 0 && g.r.IntN(4) == 0 {
			e := keys[g.r.IntN(len(keys))]
			c = Delete(e.n.obj)
		} else {
			obj := g.object()
			c = Change{Op: Op(g.r.IntN(2)), Object: obj}
		}
		before := tr.Compiled()
		var err error
		if step%7 == 0 {
			// As a file reload does: the whole set, one object different.
			next := tr.allObjects()
			n, nerr := normalize(c)
			if nerr != nil {
				t.Fatal(nerr)
			}
			if c.Op == Deleted {
				next = withoutObject(next, n)
			} else {
				next = replaceObject(next, n)
			}
			_, err = tr.Sync(next)
		} else {
			_, err = tr.Apply(c)
		}
		if err != nil {
			// The same objects with the change, compiled from scratch, must
			// fail too, and the Tracker must not have moved.
			with := tr.allObjects()
			n, _ := normalize(c)
			with = replaceObject(with, n)
			if _, ferr := fullCompile(with, opts); ferr == nil {
				t.Fatalf("seed %d step %d: Apply(%s %s) failed but a full compile succeeds: %v", seed, step, c.Op, n.key, err)
			}
			if tr.Compiled() != before {
				t.Fatalf("seed %d step %d: a failed Apply replaced the table", seed, step)
			}
		}
		checkTracker(t, seed, step, tr, opts)
		if t.Failed() {
			return step
		}
	}
	return n
}

// checkTracker compares the Tracker's result with a full compile of its
// objects.
func checkTracker(t *testing.T, seed uint64, step int, tr *Tracker, opts Options) {
	t.Helper()
	want, err := fullCompile(tr.allObjects(), opts)
	if err != nil {
		t.Fatalf("seed %d step %d: the Tracker holds objects a full compile refuses: %v", seed, step, err)
	}
	got := tr.Compiled()
	if g, w := got.Table.String(), want.Table.String(); g != w {
		t.Fatalf("seed %d step %d: table differs\nincremental:\n%s\nfull:\n%s", seed, step, g, w)
	}
	if g, w := got.Table.Options(), want.Table.Options(); g.RegexInOrder != w.RegexInOrder || !slices.Equal(slices.Sorted(slices.Values(g.DeepWildcards)), slices.Sorted(slices.Values(w.DeepWildcards))) {
		t.Fatalf("seed %d step %d: table options differ\nincremental: %+v\nfull:        %+v", seed, step, g, w)
	}
	gr, wr := got.Table.Rules(), want.Table.Rules()
	for i := range gr {
		if !reflect.DeepEqual(gr[i].Value, wr[i].Value) {
			t.Fatalf("seed %d step %d: rule %s: route differs\nincremental: %+v\nfull:        %+v", seed, step, gr[i], gr[i].Value, wr[i].Value)
		}
	}
	if g, w := sortedTLS(got.TLS), sortedTLS(want.TLS); !reflect.DeepEqual(g, w) {
		t.Fatalf("seed %d step %d: TLS hosts differ\nincremental: %v\nfull:        %v", seed, step, g, w)
	}
	if g, w := sortedWarnings(got.Warnings), sortedWarnings(want.Warnings); !slices.Equal(g, w) {

		t.Fatalf("seed %d step %d: warnings differ\nincremental:\n%s\nfull:\n%s", seed, step, strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
}

// fullCompile is Load's pipeline on set: Validate (leaving out invalid
// Ingresses under SkipInvalidIngresses), then Compile.
func fullCompile(set *Set, opts Options) (*Compiled, error) {
	if err := set.Validate(); err != nil {
		if !opts.SkipInvalidIngresses {
			return nil, err
		}
		skipped := map[string]bool{}
		skips, fatal := skipInvalid(err.(ErrorList), skipped)
		if len(fatal) > 0 {
			return nil, fatal
		}
		set = withoutIngresses(set, skipped)
		set.Warnings = append(slices.Clone(set.Warnings), skips...)
	}
	return Compile(set, opts)
}

func sortedTLS(ts []TLSHost) []TLSHost {
	out := slices.Clone(ts)
	slices.SortFunc(out, func(a, b TLSHost) int { return strings.Compare(a.Host, b.Host) })
	return out
}

func sortedWarnings(ws []Warning) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.String()
	}
	slices.Sort(out)
	return out
}

// allEntries lists every object the Tracker holds, invalid ones too.
func (t *Tracker) allEntries() []*entry {
	var out []*entry
	for k := range kindCount {
		out = append(out, t.sorted(kind(k))...)
	}
	return out
}

// allObjects is allEntries as a Set in load order.
func (t *Tracker) allObjects() *Set {
	entries := t.allEntries()
	slices.SortFunc(entries, func(a, b *entry) int { return a.seq - b.seq })
	set := &Set{Warnings: slices.Clone(t.setWarnings)}
	for _, e := range entries {
		set.addObject(e.n.obj)
	}
	return set
}

// replaceObject returns set with n's object in place of the one of the
// same kind and key, or added last.
func replaceObject(set *Set, n normalized) *Set {
	out := &Set{Warnings: set.Warnings}
	replaced := false
	for _, o := range setObjects(set) {
		if o.kind == n.kind && o.key == n.key {
			o, replaced = n, true
		}
		out.addObject(o.obj)
	}
	if !replaced {
		out.addObject(n.obj)
	}
	return out
}

// withoutObject returns set without n's object.
func withoutObject(set *Set, n normalized) *Set {
	out := &Set{Warnings: set.Warnings}
	for _, o := range setObjects(set) {
		if o.kind != n.kind || o.key != n.key {
			out.addObject(o.obj)
		}
	}
	return out
}

// dedupe keeps the last object of each kind and key, as a Tracker does.
func dedupe(set *Set) {
	objs := setObjects(set)
	last := map[[2]string]int{}
	for i, o := range objs {
		last[[2]string{fmt.Sprint(o.kind), o.key}] = i
	}
	*set = Set{}
	for i, o := range objs {
		if last[[2]string{fmt.Sprint(o.kind), o.key}] == i {
			set.addObject(o.obj)
		}
	}
}

// objectGen makes random objects from small pools of names, so that they
// collide: shared hosts, conflicting paths, canaries with and without a
// primary, catch-all default backends, TLS hosts claimed twice, Services
// and EndpointSlices that come and go, and invalid objects.
type objectGen struct{ r *rand.Rand }

var (
	genNamespaces = []string{"a", "b"}
	genHosts      = []string{"one.example.com", "two.example.com", "www.two.example.com", "*.w.example.com", "x.w.example.com", ""}
	genPaths      = []string{"/", "/api", "/api/", "/x", "/x/y"}
	genServices   = []string{"s0", "s1", "s2"}
	genTimes      = []time.Time{{}, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}
)

func (g *objectGen) pick(from []string) string { return from[g.r.IntN(len(from))] }

func (g *objectGen) object() any {
	switch g.r.IntN(10) {
	case 0:
		return g.service()
	case 1:
		return g.endpointSlice()
	case 2:
		return g.secret()
	case 3:
		return g.ingressClass()
	default:
		return g.ingress()
	}
}

func (g *objectGen) meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: g.pick(genNamespaces)}
}

func (g *objectGen) ingress() Ingress {
	ing := &networkingv1.Ingress{ObjectMeta: g.meta(fmt.Sprintf("ing%d", g.r.IntN(8)))}
	ing.CreationTimestamp = metav1.Time{Time: genTimes[g.r.IntN(len(genTimes))]}
	ann := map[string]string{}
	switch g.r.IntN(6) {
	case 0:
		ann[DefaultAnnotationPrefix+"/canary"] = "true"
		ann[DefaultAnnotationPrefix+"/canary-weight"] = "30"
	case 1:
		ann[DefaultAnnotationPrefix+"/app-root"] = "/app"
	case 2:
		ann[DefaultAnnotationPrefix+"/from-to-www-redirect"] = "true"
	case 3:
		ann[DefaultAnnotationPrefix+"/server-alias"] = g.pick(genHosts[:4]) // a wildcard alias spans labels in ingress-nginx mode
	case 4:
		ann[DefaultAnnotationPrefix+"/canary-weight"] = "heavy" // invalid
		ann[DefaultAnnotationPrefix+"/canary"] = "true"
	}
	if len(ann) > 0 {
		ing.Annotations = ann
	}
	switch g.r.IntN(4) {
	case 0:
		ing.Spec.IngressClassName = new("nginx")
	case 1:
		ing.Spec.IngressClassName = new("other")
	}
	backend := func() networkingv1.IngressBackend {
		port := networkingv1.ServiceBackendPort{Number: 80}
		if g.r.IntN(2) == 0 {
			port = networkingv1.ServiceBackendPort{Name: "http"}
		}
		return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: g.pick(genServices), Port: port}}
	}
	if g.r.IntN(3) == 0 {
		b := backend()
		ing.Spec.DefaultBackend = &b
	}
	for range g.r.IntN(3) {
		rule := networkingv1.IngressRule{Host: g.pick(genHosts)}
		if g.r.IntN(6) > 0 {
			rule.HTTP = &networkingv1.HTTPIngressRuleValue{}
			for range 1 + g.r.IntN(2) {
				pt := []networkingv1.PathType{networkingv1.PathTypeExact, networkingv1.PathTypePrefix, networkingv1.PathTypeImplementationSpecific}[g.r.IntN(3)]
				path := g.pick(genPaths)
				if g.r.IntN(25) == 0 {
					path = "no-slash" // invalid
				}
				rule.HTTP.Paths = append(rule.HTTP.Paths, networkingv1.HTTPIngressPath{Path: path, PathType: &pt, Backend: backend()})
			}
		}
		ing.Spec.Rules = append(ing.Spec.Rules, rule)
	}
	if len(ing.Spec.Rules) == 0 && ing.Spec.DefaultBackend == nil {
		b := backend()
		ing.Spec.DefaultBackend = &b
	}
	if g.r.IntN(3) == 0 {
		t := networkingv1.IngressTLS{SecretName: fmt.Sprintf("tls%d", g.r.IntN(2))}
		if g.r.IntN(4) > 0 {
			t.Hosts = []string{g.pick(genHosts[:5])}
		}
		ing.Spec.TLS = append(ing.Spec.TLS, t)
	}
	return Ingress{Ingress: ing}
}

func (g *objectGen) service() Service {
	svc := &corev1.Service{ObjectMeta: g.meta(g.pick(genServices))}
	svc.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}}
	if g.r.IntN(3) == 0 {
		svc.Spec.Ports[0].Port = 81
	}
	return Service{Service: svc}
}

func (g *objectGen) endpointSlice() EndpointSlice {
	svc := g.pick(genServices)
	s := &discoveryv1.EndpointSlice{ObjectMeta: g.meta(fmt.Sprintf("%s-%d", svc, g.r.IntN(2))), AddressType: discoveryv1.AddressTypeIPv4}
	s.Labels = map[string]string{discoveryv1.LabelServiceName: svc}
	for i := range 1 + g.r.IntN(3) {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{fmt.Sprintf("10.0.%d.%d", g.r.IntN(3), i+1)}, Conditions: discoveryv1.EndpointConditions{Ready: new(g.r.IntN(5) > 0)}})
	}
	s.Ports = []discoveryv1.EndpointPort{{Name: new("http"), Port: new(int32(8080))}}
	return EndpointSlice{EndpointSlice: s}
}

func (g *objectGen) secret() Secret {
	s := &corev1.Secret{ObjectMeta: g.meta(fmt.Sprintf("tls%d", g.r.IntN(2))), Data: map[string][]byte{"ca.crt": []byte("x")}}
	if g.r.IntN(8) == 0 {
		s.Type = corev1.SecretTypeTLS // without tls.crt and tls.key: invalid
	}
	return Secret{Secret: s}
}

func (g *objectGen) ingressClass() IngressClass {
	c := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: g.pick([]string{"nginx", "other"})}}
	c.Spec.Controller = "k8s.io/ingress-nginx"
	if g.r.IntN(2) == 0 {
		c.Annotations = map[string]string{DefaultClassAnnotation: "true"}
	}
	return IngressClass{IngressClass: c}
}
