package ingressmux

import (
	"context"
	"crypto/tls"
	"fmt"
	"reflect"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// Apply applies changes to single objects (an Ingress, Service,
// EndpointSlice, Secret, ConfigMap or IngressClass added, updated or
// deleted) to what is being served, as a cluster watch delivers them. Only
// what the changes affect is compiled again (see ingress.Tracker); the
// rest of the routing table is shared with the table being served. A
// change that only moves a Service's endpoints (an EndpointSlice) gives
// the upstreams their new endpoints without rebuilding the route table,
// and what the balancers learnt about the endpoints that remain is kept.
//
// Changes apply on top of what Load or the last Reload read and of
// earlier changes; the next Reload reads the files again and forgets
// objects that only changes brought (for a Mux of LoadObjects: the next
// Reload or ReplaceObjects compiles its object set again, and forgets them
// likewise; Resolve keeps them). On error (an invalid object, a
// backend that cannot resolve) nothing changes: the table being served
// stays, and so do the objects Apply builds on.
func (m *Mux) Apply(ctx context.Context, changes ...ingress.Change) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	start := time.Now()
	b, err := m.buildWith(ctx, func() (*built, error) {
		p, err := m.live.tracker.Prepare(changes...)
		if err != nil {
			return nil, err
		}
		if m.gatewayServed() {
			// Gateway API routes are compiled whole: from the objects
			// with the change, by a new Tracker.
			set := m.withGatewayObjects(m.live.tracker.Objects())
			p.Discard()
			return m.buildFull(set)
		}
		b, err := m.buildChange(p)
		if err != nil {
			p.Discard()
		}
		return b, err
	})
	if err == nil {
		err = m.swap(b)
	}
	return m.reported("apply", start, err)
}

// swap serves b and makes it current, or, when the proxy refuses it, drops
// it and leaves everything as it was.
func (m *Mux) swap(b *built) error {
	if err := m.serve(b); err != nil {
		b.discard()
		return err
	}
	m.install(b)
	return nil
}

// tableUpdate is how a spliced table differs from the table being served.
type tableUpdate struct{ removed, added []route.Rule }

// serve gives the proxy b's table: nothing when it is the table being
// served, the changed rules when b says which, else the whole table.
func (m *Mux) serve(b *built) error {
	switch {
	case b.table == m.live.table:
		return nil
	case b.update != nil:
		return m.handler.Update(b.table, b.update.removed, b.update.added)
	}
	return m.handler.Reload(b.table)
}

// SetEndpoints gives the upstreams of backend ("namespace/service:port",
// the backend as routes name it) new endpoints ("host:port" addresses)
// without a reload, keeping what the balancers learnt about the endpoints
// that remain. It is for programs that learn endpoints by other means
// (service discovery, a health checker); the next Reload, or a change that
// resolves the backend again, replaces them with what the objects say. It
// reports an error when no route uses backend, or an endpoint is invalid.
func (m *Mux) SetEndpoints(backend string, endpoints []string) error {
	n, err := m.handler.SetEndpoints(backend, endpoints)
	if err != nil {
		return fmt.Errorf("ingressmux: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("ingressmux: no route uses backend %q", backend)
	}
	return nil
}

// live is what incremental builds start from: the objects and their
// compiled table, the table the proxy serves, and caches of what is costly
// to make again.
type live struct {
	tracker *ingress.Tracker
	// table is the table being served: the compiled table, but for the
	// hosts whose endpoints alone changed since, whose routes the proxy
	// was given the endpoints of instead (see endpointsOnly).
	table    *route.Table
	keyPairs map[*corev1.Secret]keyPair
	used     map[*corev1.Secret]keyPair // those the build under way used
	files    *ingress.FileCache         // decoded objects of unchanged files
}

// keyPair is a parsed certificate Secret, or why it does not parse.
type keyPair struct {
	cert *tls.Certificate
	err  error
}

// keyPair parses the certificate of s once for as long as s is loaded.
func (l *live) keyPair(s *corev1.Secret) (*tls.Certificate, error) {
	kp, ok := l.keyPairs[s]
	if !ok {
		kp.cert, kp.err = tlsconfig.KeyPair(s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey])
	}
	if l.used == nil {
		l.used = map[*corev1.Secret]keyPair{}
	}
	l.used[s] = kp
	return kp.cert, kp.err
}

// pendingLive is the live state a build makes current when it is
// installed.
type pendingLive struct {
	tracker *ingress.Tracker // a new Tracker, after a full build
	change  *ingress.Pending // or a change to the current one
	table   *route.Table
	// pushes are endpoints to give upstreams, by backend name, when only
	// endpoints changed.
	pushes map[string][]string
	owner  *Mux
}

// commit makes b's live state current; install calls it.
func (b *built) commit() {
	p := b.pending
	if p == nil {
		return
	}
	b.pending = nil
	m := p.mux()
	if p.change != nil {
		p.change.Commit()
	}
	if p.tracker != nil {
		m.live.tracker = p.tracker
	}
	m.live.table = p.table
	m.live.keyPairs, m.live.used = m.live.used, nil
	for name, eps := range p.pushes {
		// Checked by the compile: the addresses come from EndpointSlices.
		_, _ = m.handler.SetEndpoints(name, eps)
	}
}

// discard drops b's live state: the current one stays.
func (b *built) discard() {
	p := b.pending
	if p == nil {
		return
	}
	b.pending = nil
	if p.change != nil {
		p.change.Discard()
	}
	p.mux().live.used = nil
}

// owner of the pending state; set by the builds.
func (p *pendingLive) mux() *Mux { return p.owner }

// compileOptions are the ingress options of cfg, with the Secrets the
// program supplies.
func (m *Mux) compileOptions() ingress.Options {
	opts := m.cfg.Options
	for name := range m.cfg.Secrets {
		opts.ProvidedSecrets = append(opts.ProvidedSecrets, name)
	}
	if r := m.cfg.Resolver; r != nil {
		// Asked with the context of the build under way: a Tracker keeps
		// these options across builds.
		opts.Resolver = func(b route.Backend) ([]string, error) {
			ctx := m.buildCtx
			if ctx == nil {
				ctx = context.Background()
			}
			return r(ctx, b)
		}
	}
	return opts
}

// buildResult makes what install needs from the Tracker's result: the
// certificates, and the proxy's table unless the caller sets it.
func (m *Mux) buildResult(tr *ingress.Tracker, res *ingress.Result) (*built, error) {
	b := &built{compiled: res.Compiled, warnings: res.Compiled.Warnings}
	m.live.used = nil
	lookup := func(key string) (*corev1.Secret, bool) {
		s, ok := tr.Secret(key)
		return s.Secret, ok
	}
	if unused := unusedOverrides(m.cfg.Backends, res.Compiled.Table); len(unused) > 0 {
		b.warnings = append(slices.Clip(b.warnings), unused...)
	}
	b.certs, b.warnings = m.certificates(lookup, res.Compiled, b.warnings)
	if err := new(tlsconfig.Store).Replace(b.certs, nil); err != nil {
		m.live.used = nil
		return nil, fmt.Errorf("ingressmux: %w", err)
	}
	return b, nil
}

// buildFull compiles set from scratch with a new Tracker.
func (m *Mux) buildFull(set *ingress.Set) (*built, error) {
	tr := ingress.NewTracker(m.compileOptions())
	res, err := tr.Reset(set)
	if err != nil {
		return nil, err
	}
	b, err := m.buildResult(tr, res)
	if err != nil {
		return nil, err
	}
	b.table = res.Compiled.Table
	if err := m.addGateway(set, b); err != nil {
		m.live.used = nil
		return nil, err
	}
	b.pending = &pendingLive{owner: m, tracker: tr, table: b.table}
	return b, nil
}

// buildChange makes the proxy's side of a prepared change: the routes of
// the hosts compiled again, spliced into the table being served; or, when
// only endpoints moved, no new table at all.
func (m *Mux) buildChange(p *ingress.Pending) (*built, error) {
	res := p.Result
	b, err := m.buildResult(m.live.tracker, res)
	if err != nil {
		return nil, err
	}
	pl := &pendingLive{owner: m, change: p, table: m.live.table}
	b.pending = pl
	switch {
	case res.Full:
		pl.table = res.Compiled.Table
	case len(res.Endpoints) > 0:
		// Only endpoints moved, and the Tracker says where to.
		pl.pushes = res.Endpoints
	case len(res.Hosts) == 0:
		// Nothing routed changed.
	default:
		if pushes, ok := endpointsOnly(m.Compiled().Table, res); ok {
			pl.pushes = pushes
			break
		}
		// The table being served, not the compiled one: the routes of
		// hosts whose endpoints alone changed are served as they were.
		pl.table = route.SpliceHosts(m.live.table, res.Hosts, res.Changed)
		up := &tableUpdate{added: res.Changed.Rules()}
		for host := range res.Hosts {
			up.removed = append(up.removed, m.live.table.HostRules(host)...)
		}
		b.update = up
	}
	b.table = pl.table
	return b, nil
}

// endpointsOnly reports whether the rules res compiled again differ from
// those of old only in the endpoints of their upstreams, and if so returns
// the new endpoints by upstream name. An upstream resolved to its
// Service's cluster IP (service-upstream) by some route does not qualify:
// its name stands for other addresses there.
func endpointsOnly(old *route.Table, res *ingress.Result) (map[string][]string, bool) {
	pushes := map[string][]string{}
	for host := range res.Hosts {
		was, now := old.HostRules(host), res.Changed.HostRules(host)
		if len(was) != len(now) {
			return nil, false
		}
		for i := range now {
			a, b := was[i], now[i]
			ra, rb := a.Value.(*proxy.Route), b.Value.(*proxy.Route)
			a.Value, b.Value = nil, nil
			if !reflect.DeepEqual(a, b) || !sameButEndpoints(ra, rb) {
				return nil, false
			}
			for _, u := range upstreamsOf(rb) {
				if u.Resolution == "service-upstream" {
					return nil, false
				}
				if have, seen := pushes[u.Name]; seen && !slices.Equal(have, u.Endpoints) {
					return nil, false
				}
				pushes[u.Name] = u.Endpoints
			}
			for _, u := range upstreamsOf(ra) {
				if u.Resolution == "service-upstream" {
					return nil, false
				}
			}
		}
	}
	return pushes, true
}

// upstreamsOf lists the upstreams of r whose endpoints may move alone:
// its own and its canaries'.
func upstreamsOf(r *proxy.Route) []*proxy.Upstream {
	out := []*proxy.Upstream{r.Upstream}
	for _, c := range r.Canaries {
		out = append(out, c.Upstream)
	}
	return out
}

// sameButEndpoints reports whether a and b are equal but for the
// endpoints of their upstreams and canaries.
func sameButEndpoints(a, b *proxy.Route) bool {
	if len(a.Canaries) != len(b.Canaries) || (a.Upstream == nil) != (b.Upstream == nil) {
		return false
	}
	x, y := *a, *b
	x.Upstream, y.Upstream = withoutEndpoints(a.Upstream), withoutEndpoints(b.Upstream)
	x.Canaries, y.Canaries = slices.Clone(a.Canaries), slices.Clone(b.Canaries)
	for i := range x.Canaries {
		x.Canaries[i].Upstream, y.Canaries[i].Upstream = withoutEndpoints(x.Canaries[i].Upstream), withoutEndpoints(y.Canaries[i].Upstream)
	}
	return reflect.DeepEqual(&x, &y)
}

// withoutEndpoints returns a copy of u without its endpoints.
func withoutEndpoints(u *proxy.Upstream) *proxy.Upstream {
	if u == nil {
		return nil
	}
	c := *u
	c.Endpoints = nil
	return &c
}

// buildFromSources reads the sources and compiles what differs from what
// is being served: the objects the Mux serves, or the files, decoding only
// those whose content changed. The first build compiles everything, and so
// does every build with a Resolver, whose answers may change at any time.
func (m *Mux) buildFromSources() (*built, error) {
	set := m.objects
	if set == nil {
		if m.live.files == nil {
			m.live.files = &ingress.FileCache{}
		}
		var err error
		if m.cfg.FS != nil {
			set, err = m.live.files.ReadFS(m.cfg.FS, m.cfg.Paths...)
		} else {
			set, err = m.live.files.ReadFiles(m.cfg.Paths...)
		}
		if err != nil {
			return nil, m.everyError(err)
		}
	}
	if m.live.tracker == nil || m.cfg.Resolver != nil || m.cfg.Options.Resolver != nil || hasGatewayObjects(set) || m.gatewayServed() {
		b, err := m.buildFull(set)
		if err != nil {
			return nil, m.everyError(err)
		}
		return b, nil
	}
	p, err := m.live.tracker.PrepareSync(set)
	if err != nil {
		return nil, m.everyError(err)
	}
	b, err := m.buildChange(p)
	if err != nil {
		p.Discard()
		return nil, err
	}
	return b, nil
}

// everyError returns, for a build that failed with err, every problem of
// the sources in one list, as ingress.LoadFiles reports them: the incremental
// path stops at the first stage that fails (a file that does not decode
// hides the validation errors of the others), and a user fixes them all
// in one pass. Only failures pay for the second look.
func (m *Mux) everyError(err error) error {
	opts := m.compileOptions()
	var all error
	if m.objects != nil {
		_, _, all = ingress.CompileSet(m.objects, opts)
	} else {
		_, _, all = ingress.LoadFiles(m.cfg.FS, m.cfg.Paths, opts)
	}
	if all == nil {
		return err
	}
	return all
}
