package ingressmux

import (
	"context"
	"crypto/tls"
	"fmt"
	"maps"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// Apply applies changes to single objects (an Ingress, Service,
// EndpointSlice, Secret, ConfigMap or IngressClass, or a Gateway API
// GatewayClass, Gateway, HTTPRoute, GRPCRoute, ReferenceGrant,
// BackendTLSPolicy or a Namespace, added, updated or deleted) to what is
// being served, as a cluster watch delivers them. Only what the changes
// affect is compiled again (see ingress.Tracker); the Gateway API routes
// are compiled again, all of them, only when one of their objects changed
// or a Service, EndpointSlice, Secret or ConfigMap they name; the rest of
// the routing table is shared with the table being served. A
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
		others, gwChanges, err := splitChanges(changes)
		if err != nil {
			return nil, err
		}
		p, err := m.live.tracker.Prepare(others...)
		if err != nil {
			return nil, err
		}
		var objs *ingress.Set // nil: the Gateway API objects stay
		if len(gwChanges) > 0 {
			objs = applyGatewayChanges(m.live.gateway.objects, gwChanges)
		}
		b, err := m.buildChange(p, objs)
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
	// gateway is the Gateway API side of the objects, which the Tracker
	// does not keep.
	gateway *gatewaySide
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
// installed, beside the build's table and Gateway API side, which become
// the live ones.
type pendingLive struct {
	tracker *ingress.Tracker // a new Tracker, after a full build
	change  *ingress.Pending // or a change to the current one
	// pushes are endpoints to give upstreams, by backend name, when only
	// endpoints changed.
	pushes map[string][]string
	owner  *Mux // whose live state this is
}

// commit makes b's live state current; install calls it.
func (b *built) commit() {
	p := b.pending
	if p == nil {
		return
	}
	b.pending = nil
	m := p.owner
	if p.change != nil {
		p.change.Commit()
	}
	if p.tracker != nil {
		m.live.tracker = p.tracker
	}
	m.live.gateway = b.gateway
	m.live.table = b.table
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
	p.owner.live.used = nil
}

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
	if unused := unusedOverrides(m.cfg.Backends, res.Compiled.Table); len(unused) > 0 {
		b.warnings = append(slices.Clip(b.warnings), unused...)
	}
	b.certs, b.warnings = m.certificates(tr, res.Compiled, b.warnings)
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
	b.gateway, err = m.compileGateway(tr, gatewayObjects(set), set)
	if err != nil {
		m.live.used = nil
		return nil, err
	}
	b.table = res.Compiled.Table
	if gw := b.gateway.table(); gw != nil {
		b.table = route.Splice(b.table, nil, gw)
	}
	if err := m.mergeGateway(b, tr, res.Compiled.Table, b.table); err != nil {
		m.live.used = nil
		return nil, err
	}
	b.pending = &pendingLive{owner: m, tracker: tr}
	return b, nil
}

// buildChange makes the proxy's side of a prepared change, with objs the
// new Gateway API objects (nil when they did not change): the routes of
// the hosts compiled again, spliced into the table being served; or, when
// only endpoints moved, no new table at all.
func (m *Mux) buildChange(p *ingress.Pending, objs *ingress.Set) (*built, error) {
	res := p.Result
	tr := m.live.tracker
	b, err := m.buildResult(tr, res)
	if err != nil {
		return nil, err
	}
	prev := m.live.gateway
	var recompiled bool
	b.gateway, recompiled, err = m.gatewayFor(tr, prev, objs)
	if err != nil {
		m.live.used = nil
		return nil, err
	}
	pl := &pendingLive{owner: m, change: p}
	b.pending = pl
	b.table = m.live.table // unless the change needs another
	ingresses := res.Compiled.Table
	oldGW, newGW := prev.table(), b.gateway.table()
	compiled := ingresses  // the compiled table: Ingress rules, then Gateway API rules
	hosts := res.Hosts     // hosts whose rules changed
	changed := res.Changed // their rules
	switch {
	case res.Full:
		if newGW != nil {
			compiled = route.Splice(ingresses, nil, newGW)
		}
		b.table = compiled
	case len(res.Endpoints) > 0 && oldGW == nil && newGW == nil:
		// Only endpoints moved, and the Tracker says where to.
		pl.pushes = res.Endpoints
	case oldGW != nil || newGW != nil:
		hosts = maps.Clone(res.Hosts)
		// Endpoints that moved under Ingress rules: the merged table gets
		// those hosts' rules with their new addresses, and the proxy the
		// addresses (spliceServed finds that only endpoints moved).
		maps.Copy(hosts, res.MovedHosts)
		if recompiled {
			changedHosts(oldGW, newGW, hosts)
		}
		changed = mergedRules(res, hosts, newGW)
		compiled = m.Compiled().Table
		if len(hosts) > 0 {
			compiled = route.SpliceHosts(compiled, hosts, changed)
		}
	}
	if !res.Full && len(hosts) > 0 {
		// Rules that stay may still match differently: a Gateway API
		// wildcard host covers any number of labels (route.Options).
		pushable := sameDeepWildcards(m.Compiled().Table, compiled)
		m.spliceServed(b, &ingress.Result{Hosts: hosts, Changed: changed}, pushable)
	}
	if compiled != b.compiled.Table {
		c := *b.compiled
		c.Table = compiled
		b.compiled = &c
	}
	if err := m.mergeGateway(b, tr, ingresses, compiled); err != nil {
		b.discard()
		return nil, err
	}
	return b, nil
}

// gatewayFor returns the Gateway API side of a change, with objs the new
// objects (nil when they did not change): prev's when neither they nor
// the objects of tr they name changed, else compiled again.
func (m *Mux) gatewayFor(tr *ingress.Tracker, prev *gatewaySide, objs *ingress.Set) (*gatewaySide, bool, error) {
	if objs == nil {
		if slices.Equal(identities(tr, prev.refs), prev.seen) {
			side := *prev
			return &side, false, nil
		}
		objs = prev.objects
	}
	side, err := m.compileGateway(tr, objs, nil)
	return side, true, err
}

// mergedRules returns the rules of hosts in the merged table: the Ingress
// rules of res (compiled again) or of the Tracker's table (for the hosts
// only Gateway API routes changed), then the Gateway API rules of gw.
func mergedRules(res *ingress.Result, hosts map[string]bool, gw *route.Table) *route.Table {
	// Splice keeps rules as they are, with their hosts' deep wildcards:
	// nothing compiles again.
	ingresses := route.Splice(res.Compiled.Table, func(host string) bool { return hosts[host] && !res.Hosts[host] })
	var gwRules *route.Table
	if gw != nil {
		gwRules = route.Splice(gw, func(host string) bool { return hosts[host] })
	}
	return route.Splice(nil, nil, res.Changed, ingresses, gwRules)
}

// spliceServed gives b the table to serve for the rules of res.Hosts
// compiled again as res.Changed: the endpoints to push when only those
// moved, else those rules spliced into the table being served, and the
// update that says so to the proxy. Pushing endpoints alone is not an
// option unless pushable.
func (m *Mux) spliceServed(b *built, res *ingress.Result, pushable bool) {
	pl := b.pending
	if pushes, ok := endpointsOnly(m.Compiled().Table, res); ok && pushable {
		pl.pushes = pushes
		return
	}
	// The table being served, not the compiled one: the routes of
	// hosts whose endpoints alone changed are served as they were.
	b.table = route.SpliceHosts(m.live.table, res.Hosts, res.Changed)
	up := &tableUpdate{added: res.Changed.Rules()}
	for host := range res.Hosts {
		up.removed = append(up.removed, m.live.table.HostRules(host)...)
	}
	b.update = up
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
	if m.live.tracker == nil || m.cfg.Resolver != nil || m.cfg.Options.Resolver != nil {
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
	var objs *ingress.Set // nil: the Gateway API objects stay
	if !sameGatewayObjects(m.live.gateway.objects, set) {
		objs = gatewayObjects(set)
	}
	b, err := m.buildChange(p, objs)
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
