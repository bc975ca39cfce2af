package ingress

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/rewrite"
	"github.com/ingressmux/ingressmux/route"
)

// DefaultAnnotationPrefix is the prefix of the ingress-nginx annotations
// that ingressmux reads, as in ingress-nginx's --annotations-prefix.
const DefaultAnnotationPrefix = "nginx.ingress.kubernetes.io"

// Options configure Compile. The zero value serves every Ingress.
type Options struct {
	// IngressClass selects the Ingresses to serve: those whose
	// spec.ingressClassName (or kubernetes.io/ingress.class annotation)
	// names it. Empty means every Ingress, whatever its class.
	IngressClass string
	// RejectClassless makes a loader with an IngressClass skip Ingresses
	// that name no class. By default they are taken, unless an IngressClass
	// marked default says they belong to another class.
	RejectClassless bool
	// AnnotationPrefix replaces "nginx.ingress.kubernetes.io" as the prefix
	// of the annotations read. Empty means DefaultAnnotationPrefix.
	AnnotationPrefix string
	// Backends overrides where Service ports are: keys are
	// "namespace/service:port" (port by number or name), values are
	// "host:port" or a URL such as "https://127.0.0.1:8443". An https URL
	// makes the backend HTTPS unless backend-protocol says otherwise.
	// Overrides come first, before Resolver and the loaded Services.
	Backends map[string]string
	// Resolver, when not nil, is asked for every backend without an
	// override, before the loaded Services.
	Resolver Resolver
	// ProvidedSecrets lists, as "namespace/name", the TLS Secrets that the
	// program supplies by other means (generated, or from files), so that
	// Compile does not warn that they are not loaded.
	ProvidedSecrets []string
	// ClusterDomain is the domain of cluster DNS names
	// (service.namespace.svc.DOMAIN), the last resort for a backend whose
	// Service is not loaded. Empty means DefaultClusterDomain.
	ClusterDomain string
	// SkipInvalidIngresses leaves out, with a warning, each Ingress that
	// fails validation or has an invalid annotation, and serves the rest,
	// as ingress-nginx does. By default such an Ingress fails the load.
	SkipInvalidIngresses bool
	// Matching chooses how requests are matched to paths: MatchSpec (the
	// zero value) follows the Kubernetes specification and warns wherever
	// ingress-nginx would route differently; MatchIngressNginx reproduces
	// ingress-nginx (see "Matching modes" in the package documentation).
	Matching MatchMode

	// backendWarnings makes Compile collect the warning of a backend for
	// every Ingress that uses it, in Compiled.backendWarnings, instead of
	// warning once: a Tracker compiles Ingresses in groups and keeps the
	// first in merge order over all of them.
	backendWarnings bool
	// deferTable lets Compile leave its rules prepared, in
	// Compiled.prepared, instead of laying them out into Compiled.Table,
	// when nothing of the compile needs the table (see modesAgree): a
	// Tracker compiling every group lays out all their rules at once
	// with route.Join.
	deferTable bool
}

func (o *Options) annotation(name string) string {
	return o.annotationPrefix() + "/" + name
}

// annotationPrefix is AnnotationPrefix, or its default.
func (o *Options) annotationPrefix() string {
	if o.AnnotationPrefix == "" {
		return DefaultAnnotationPrefix
	}
	return o.AnnotationPrefix
}

// Compiled is the result of Compile: the routing table and what goes with it.
type Compiled struct {
	// Table is the merged routing table of every Ingress taken.
	Table *route.Table
	// TLS lists, per host, the Secret that serves its certificate, taken
	// from the first Ingress (in merge order) whose spec.tls covers the host.
	TLS []TLSHost
	// Warnings lists what was skipped or overridden while merging, and the
	// warnings of the Set.
	Warnings []Warning
	// Differences lists example requests that the two matching modes route
	// differently, whichever mode Table uses: what a switch from
	// ingress-nginx (or to MatchIngressNginx) changes.
	Differences []Difference

	backendWarnings []backendWarning // see Options.backendWarnings
	// prepared, with Options.deferTable, replaces Table: the rules,
	// validated, awaiting layout.
	prepared *route.Prepared
	// routes maps each route to what it was compiled from, when
	// recordCompiled is set: for the package's tests.
	routes map[*proxy.Route]*compiledRoute
	// resolved and resolvedSvc are the resolutions of the backends (see
	// resolver), kept with Options.backendWarnings: a Tracker tells from
	// them whether endpoints that move change anything but addresses.
	resolved, resolvedSvc map[route.Backend]*resolved
}

// recordCompiled makes Compile fill Compiled.routes.
var recordCompiled bool

// TLSHost names the certificate Secret of one host.
type TLSHost struct {
	// Host is an exact or wildcard host; empty for a spec.tls entry that
	// names no hosts, whose certificate becomes the default certificate.
	Host string
	// Secret is "namespace/name" of a kubernetes.io/tls Secret.
	Secret string
	// Origin is the Ingress that set it ("ingress namespace/name").
	Origin string
	// Source is where that Ingress was loaded from.
	Source Source
}

// Compile merges the Ingresses of set into one routing table, following
// the order and conflict rules in the package documentation ("Merging").
// It does not validate set: call Set.Validate first. The error, when not
// nil, is an ErrorList; Compiled.Warnings is complete in either case.
//
// With Options.SkipInvalidIngresses, an Ingress with errors is left out
// with a warning per error, and the rest compiles; only errors that
// concern no single Ingress are returned.
func Compile(set *Set, opts Options) (*Compiled, error) {
	if !opts.SkipInvalidIngresses {
		return compileOnce(set, opts)
	}
	skipped := map[string]bool{}
	var skips []Warning
	for {
		out, err := compileOnce(withoutIngresses(set, skipped), opts)
		errs, _ := err.(ErrorList)
		if len(errs) == 0 {
			out.Warnings = append(out.Warnings, skips...)
			return out, err
		}
		before := len(skipped)
		warnings, fatal := skipInvalid(errs, skipped)
		skips = append(skips, warnings...)
		if len(fatal) > 0 || len(skipped) == before {
			out.Warnings = append(out.Warnings, skips...)
			return out, errs
		}
		// Leaving an Ingress out can change what others compile to (merge
		// order, host fallbacks), so compile again without it.
	}
}

// maxResolverHint bounds the size a compile's backend cache is made for.
const maxResolverHint = 64

func compileOnce(set *Set, opts Options) (*Compiled, error) {
	c := &compiler{opts: opts, set: set, out: &Compiled{}}
	c.takeScratch()
	defer c.releaseScratch()
	c.out.Warnings = append(c.out.Warnings, set.Warnings...)
	defClass, warnings := defaultClass(set)
	c.out.Warnings = append(c.out.Warnings, warnings...)

	taken := c.scratch.taken
	for _, ing := range set.Ingresses {
		if w, unknown := unknownClass(set, ing); unknown {
			c.out.Warnings = append(c.out.Warnings, w)
		}
		if ok, why := opts.takesIngress(ing, defClass); !ok {
			c.warn(ing, "", "skipped: "+why)
			continue
		}
		taken = append(taken, ing)
	}
	c.scratch.taken = taken
	// Room for every path and default backend, so that the rules are not
	// copied as they grow.
	n := 0
	for _, ing := range taken {
		n++
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP != nil {
				n += len(rule.HTTP.Paths)
			}
		}
	}
	c.reserve(len(taken), n)
	// A backend per rule at most: the cache is sized once instead of
	// growing (a group of three Ingresses with three backends each
	// outgrows a small map), but not past what growing costs little,
	// since a Tracker keeps it: a thousand paths may reach one Service.
	c.resolver = newResolver(set, &c.opts, min(n, maxResolverHint))
	c.resolver.everyCaller = opts.backendWarnings
	sortMergeOrder(taken)
	for _, ing := range taken {
		c.addIngress(ing)
	}
	c.attachCanaries()
	c.applyHostExtras()
	c.applyAppRoots()
	if len(c.errs) > 0 {
		return c.out, c.errs
	}
	c.toProxy()
	prepared, err := route.Prepare(c.rules, route.Options{})
	if err != nil {
		c.routeErrors(err)
		return c.out, c.errs
	}
	for _, conflict := range prepared.Conflicts() {
		c.conflictWarning(conflict)
	}
	agree := c.modesAgree()
	if agree && opts.deferTable {
		c.out.prepared = prepared
	} else {
		table := prepared.Table()
		c.out.Table = table
		if !agree {
			c.compareModes(table)
		}
		if len(c.errs) > 0 {
			c.out.Table = nil
			return c.out, c.errs
		}
	}
	if opts.backendWarnings {
		c.out.resolved, c.out.resolvedSvc = c.resolver.cache, c.resolver.cacheSvc
	}
	return c.out, nil
}

// compiledRoute is a route while Compile merges the Ingresses: where the
// rule came from, what its annotations ask, and where its backend is.
// Once merged, each becomes the *proxy.Route of its rule (see toProxy).
type compiledRoute struct {
	routeSource
	// policy is the policy of the route's Ingress, shared by its routes
	// and never modified.
	policy *policy
	Target Target
	// Rewrite is the rewrite-target of this path, compiled with the path
	// as its pattern; nil when the Ingress has none.
	Rewrite *rewrite.Path
	// AppRoot is the app-root of the rule's host, from the first Ingress
	// that sets one for it; nil when none does.
	AppRoot *rewrite.AppRoot
	// HostRedirect, when not empty, is the host that every request of the
	// route is redirected to, path and query kept (from-to-www-redirect).
	HostRedirect string
	// Canaries are the alternative backends that canary Ingresses with the
	// same host, path and pathType attach to the route, in merge order.
	Canaries []canaryTarget
}

// routeSource says which Ingress field a route came from (proxy.Origin
// says it to tools).
type routeSource struct {
	// Namespace and Name name the Ingress.
	Namespace, Name string
	// PathType is the pathType as written ("Exact", "Prefix",
	// "ImplementationSpecific"); empty for a defaultBackend.
	PathType string
	// Path is the path as written in the Ingress ("/" for an empty
	// ImplementationSpecific path), before the route package normalises
	// it; empty for a defaultBackend.
	Path string
	// Field is the path of the rule's field, such as
	// "spec.rules[0].http.paths[1]" or "spec.defaultBackend".
	Field string
	// Source is where the Ingress was loaded from.
	Source Source
}

// compiler holds the state of one Compile.
type compiler struct {
	opts  Options
	set   *Set
	out   *Compiled
	errs  ErrorList
	rules []route.Rule
	// places[i] says which Ingress field produced rules[i], for errors.
	places []place
	// introducedBy maps a host to the first Ingress that mentioned it.
	introducedBy map[string]string
	tlsHosts     map[string]TLSHost
	resolver     *resolver
	appRoots     map[string]hostSetting
	hostExtras   []hostExtras
	canaries     []canaryPath
	index        *objectIndex // see objects
	// compiled[i] is what rules[i] was compiled from, once toProxy made
	// its Value a *proxy.Route: what the comparison of matching modes reads.
	compiled []*compiledRoute
	proxies  proxyBuilder
	// scratch is the pooled memory of what the compile drops when it
	// returns: policies, compiled routes, rules, maps (see compileScratch).
	scratch *compileScratch
	// detachedPolicies maps the policies of the scratch to their copies in
	// Compiled.routes (see detached).
	detachedPolicies map[*policy]*policy
	// prefix ("PREFIX/") and canaryKey, the canary annotation's key, are
	// built once; keys is parsePolicy's buffer for the keys of an Ingress.
	prefix, canaryKey string
	keys              []string
	// refIng and refName cache the Ref of the Ingress being compiled
	// (see ref).
	refIng  *networkingv1.Ingress
	refName string
}

// ref returns ing.Ref(), built once for the Ingress being compiled: its
// every rule, field and warning names it.
func (c *compiler) ref(ing Ingress) string {
	if c.refIng != ing.Ingress || c.refIng == nil {
		c.refIng, c.refName = ing.Ingress, ing.Ref()
	}
	return c.refName
}

// pathField is the field path of a paths entry, such as
// "spec.rules[0].http.paths[1]", as field.Path.String writes it.
func pathField(rule, path int) string {
	if rule < len(commonPaths) && path < len(commonPaths[rule].fields) {
		return commonPaths[rule].fields[path]
	}
	return "spec.rules[" + strconv.Itoa(rule) + "].http.paths[" + strconv.Itoa(path) + "]"
}

// commonPaths holds, built once, the field paths of the first rules of an
// Ingress and of their first paths, which nearly every Ingress has: every
// compile shares them instead of building its own. A field.Path is never
// modified; Child and Index make new ones.
var commonPaths = func() (out [4]struct {
	rule  *field.Path   // spec.rules[i]
	paths *field.Path   // spec.rules[i].http.paths
	path  []*field.Path // spec.rules[i].http.paths[j]
	// fields are the paths' strings, as pathField writes them.
	fields []string
}) {
	for i := range out {
		c := &out[i]
		c.rule = specRoot.Child("rules").Index(i)
		c.paths = c.rule.Child("http", "paths")
		for j := range 8 {
			c.path = append(c.path, c.paths.Index(j))
			c.fields = append(c.fields, c.path[j].String())
		}
	}
	return out
}()

// specRoot and defaultBackendPath are the field paths of spec and
// spec.defaultBackend, shared.
var (
	specRoot           = field.NewPath("spec")
	defaultBackendPath = specRoot.Child("defaultBackend")
)

// rulePath returns the field path of spec.rules[i].
func rulePath(i int) *field.Path {
	if i < len(commonPaths) {
		return commonPaths[i].rule
	}
	return specRoot.Child("rules").Index(i)
}

// pathsEntry returns the field path of spec.rules[i].http.paths[j];
// paths is rulePath(i).Child("http", "paths") when i is not common.
func pathsEntry(i, j int, paths *field.Path) *field.Path {
	if i < len(commonPaths) && j < len(commonPaths[i].path) {
		return commonPaths[i].path[j]
	}
	return paths.Index(j)
}

type place struct {
	ing   Ingress
	field *field.Path
}

func (c *compiler) warn(ing Ingress, fieldPath, msg string) {
	c.out.Warnings = append(c.out.Warnings, c.warning(ing, fieldPath, msg))
}

// warning is the Warning msg about the field at fieldPath of ing.
func (c *compiler) warning(ing Ingress, fieldPath, msg string) Warning {
	src := ing.Source
	if fieldPath != "" { // the line lookup re-parses the document
		if line := ing.doc.line(fieldPath); line > 0 {
			src.Line = line
		}
	}
	return Warning{Source: src, Object: c.ref(ing), Field: fieldPath, Message: msg}
}

func (c *compiler) fail(ing Ingress, fe *field.Error) {
	src := ing.Source
	if line := ing.doc.line(fe.Field); line > 0 {
		src.Line = line
	}
	c.errs = append(c.errs, &Error{Source: src, Object: c.ref(ing), Field: fe})
}

// add appends a rule made from the field at (a paths entry or a
// defaultBackend) of ing, resolving its backend; atField is at.String().
func (c *compiler) add(ing Ingress, at *field.Path, atField, pathType string, policy *policy, r route.Rule) {
	resolve := c.resolver.resolve
	if policy.Upstream.ServiceUpstream {
		resolve = c.resolver.resolveServiceUpstream
	}
	target, warning, err := resolve(r.Backend)
	// The backend's field, only for an error or a warning.
	backendPath := func() *field.Path {
		if pathType == "" {
			return at
		}
		return at.Child("backend")
	}
	if err != nil {
		c.fail(ing, field.Invalid(backendPath(), r.Backend.String(), err.Error()))
		return
	}
	if warning != "" {
		fieldPath := atField // backendPath().String(), without building it
		if pathType != "" {
			fieldPath += ".backend"
		}
		c.warnBackend(ing, fieldPath, backendKey{r.Backend, policy.Upstream.ServiceUpstream}, warning)
	}
	r.Origin = c.ref(ing)
	rt := c.newRoute(&compiledRoute{
		routeSource: routeSource{Namespace: ing.Namespace, Name: ing.Name, PathType: pathType, Path: r.Path, Field: atField, Source: ing.Source},
		policy:      policy,
		Target:      target,
	})
	if t := policy.RewriteTarget; t != "" && r.Type != route.Default && t != r.Path {
		rw, err := rewrite.NewPath(r.Path, t)
		if err != nil {
			key := field.NewPath("metadata", "annotations").Key(c.opts.annotation("rewrite-target"))
			c.fail(ing, field.Invalid(key, t, fmt.Sprintf("with path %q (%s): %s", r.Path, at.Child("path"), strings.TrimPrefix(err.Error(), "rewrite: "))))
			return
		}
		c.warnRewrite(ing, at, r.Path, rw)
		rt.Rewrite = rw
	}
	r.Value = rt
	c.rules = append(c.rules, r)
	c.places = append(c.places, place{ing: ing, field: at})
}

func (c *compiler) addIngress(ing Ingress) {
	spec := &ing.Spec
	policy, ok := c.parsePolicy(ing) // one for all the routes of the Ingress
	if !ok {
		return
	}
	// Hosts this Ingress is the first to mention: its defaultBackend is
	// their fallback.
	var introduced []string
	for i, rule := range spec.Rules {
		rulePath := rulePath(i)
		var pathsPath *field.Path // rulePath.Child("http", "paths"), when it has paths
		if _, seen := c.introducedBy[rule.Host]; !seen {
			c.introducedBy[rule.Host] = c.ref(ing)
			introduced = append(introduced, rule.Host)
		} else if spec.DefaultBackend != nil && c.introducedBy[rule.Host] != c.ref(ing) {
			c.warn(ing, defaultBackendPath.String(), fmt.Sprintf(
				"not the fallback of host %q, which %s mentioned first", hostLabel(rule.Host), c.introducedBy[rule.Host]))
		}
		if rule.HTTP == nil {
			if spec.DefaultBackend == nil {
				c.warn(ing, rulePath.String(), fmt.Sprintf("rule for host %q has no http paths; its requests get the default backend", hostLabel(rule.Host)))
			}
			continue
		}
		if i < len(commonPaths) {
			pathsPath = commonPaths[i].paths
		} else if len(rule.HTTP.Paths) > 0 {
			pathsPath = rulePath.Child("http", "paths")
		}
		for j, p := range rule.HTTP.Paths {
			pathPath := pathsEntry(i, j, pathsPath)
			backend, ok := c.backend(ing, &p.Backend, pathPath, "backend")
			if !ok {
				continue
			}
			r := route.Rule{Host: rule.Host, Path: p.Path, Backend: backend}
			if *p.PathType == networkingv1.PathTypeImplementationSpecific && r.Path == "" {
				r.Path = "/"
			}
			var warning string
			r.Type, warning = c.specPathType(policy, *p.PathType, r.Path)
			if warning != "" {
				c.warn(ing, pathPath.Child("path").String(), warning)
			}
			if policy.Canary.Enabled {
				c.addCanary(ing, pathPath, rule.Host, r.Path, string(*p.PathType), *policy, backend)
				continue
			}
			c.add(ing, pathPath, pathField(i, j), string(*p.PathType), policy, r)
		}
	}
	if policy.Canary.Enabled {
		if spec.DefaultBackend != nil {
			c.warn(ing, defaultBackendPath.String(), "ignored on a canary Ingress: only its paths become canaries")
		}
		return // a canary brings no hosts, certificates or host settings of its own
	}
	if b := spec.DefaultBackend; b != nil {
		backend, ok := c.backend(ing, b, specRoot, "defaultBackend")
		if ok {
			if len(spec.Rules) == 0 {
				introduced = []string{""} // the global catch-all
			}
			for _, host := range introduced {
				c.add(ing, defaultBackendPath, "spec.defaultBackend", "", policy, route.Rule{Host: host, Type: route.Default, Backend: backend})
			}
		}
	}
	c.addTLS(ing)
	c.noteHostExtras(ing, policy)
	if policy.AppRoot != nil {
		c.claimAppRoot(ing, policy.AppRoot)
	}
}

// hostSetting is a host-level value and the Ingress it came from.
type hostSetting struct {
	appRoot *rewrite.AppRoot
	ing     Ingress
}

// claimAppRoot records ing's app-root for each of its hosts that has none
// yet; app-root is a host-level setting, taken from the first Ingress in
// merge order, as ingress-nginx does.
func (c *compiler) claimAppRoot(ing Ingress, a *rewrite.AppRoot) {
	key := field.NewPath("metadata", "annotations").Key(c.opts.annotation("app-root")).String()
	for _, rule := range ing.Spec.Rules {
		first, seen := c.appRoots[rule.Host]
		switch {
		case !seen:
			if c.appRoots == nil {
				c.appRoots = map[string]hostSetting{}
			}
			c.appRoots[rule.Host] = hostSetting{appRoot: a, ing: ing}
		case first.ing.Ref() != ing.Ref() && first.appRoot.Path != a.Path:
			c.warn(ing, key, fmt.Sprintf("ignored for host %q: %s set app-root %q first", hostLabel(rule.Host), first.ing.Ref(), first.appRoot.Path))
		}
	}
}

// applyAppRoots gives every rule of a host with an app-root that app-root,
// whichever Ingress declared the rule. A host without a rule that matches
// exactly "/" gets an Exact "/" rule that only redirects, so that "/"
// redirects there as it does in ingress-nginx, where app-root is checked
// before any path.
func (c *compiler) applyAppRoots() {
	if len(c.appRoots) == 0 {
		return
	}
	hasRoot := map[string]bool{}
	firstOfSetter := map[string]int{} // host -> its first rule from the Ingress that set app-root
	for i, r := range c.rules {
		hs, ok := c.appRoots[r.Host]
		if !ok {
			continue
		}
		r.Value.(*compiledRoute).AppRoot = hs.appRoot
		if r.Path == "/" && r.Type != route.Regex {
			hasRoot[r.Host] = true
		}
		if _, seen := firstOfSetter[r.Host]; !seen && c.places[i].ing.Ingress == hs.ing.Ingress {
			firstOfSetter[r.Host] = i
		}
	}
	for _, host := range slices.Sorted(maps.Keys(c.appRoots)) {
		i, ok := firstOfSetter[host]
		if hasRoot[host] || !ok {
			continue
		}
		r := c.rules[i]
		rt := *r.Value.(*compiledRoute)
		rt.Rewrite = nil
		rt.routeSource.Path = "/"
		c.rules = append(c.rules, route.Rule{Host: host, Path: "/", Type: route.Exact, Backend: r.Backend, Origin: r.Origin, Value: &rt})
		c.places = append(c.places, place{ing: c.appRoots[host].ing, field: c.annotationPath("app-root")})
	}
}

// toProxy makes the Value of every rule its *proxy.Route, keeping what it
// was compiled from in c.compiled.
func (c *compiler) toProxy() {
	c.compiled = slices.Grow(c.scratch.compiled[:0], len(c.rules))[:len(c.rules)]
	for i := range c.rules {
		r := c.rules[i].Value.(*compiledRoute)
		c.compiled[i] = r
		c.rules[i].Value = c.proxyRoute(c.rules[i], r, "")
	}
}

// proxyRoute returns the *proxy.Route of r (see proxyBuilder.proxyRoute).
func (c *compiler) proxyRoute(rule route.Rule, r *compiledRoute, variant string) *proxy.Route {
	rt := c.proxies.proxyRoute(rule, r, variant)
	if recordCompiled {
		if c.out.routes == nil {
			c.out.routes = map[*proxy.Route]*compiledRoute{}
		}
		c.out.routes[rt] = c.detached(r)
	}
	return rt
}

// backend turns an Ingress backend, the field child of at, into a route
// backend. Resource backends cannot be proxied and are skipped with a
// warning.
func (c *compiler) backend(ing Ingress, b *networkingv1.IngressBackend, at *field.Path, child string) (route.Backend, bool) {
	if b.Resource != nil || b.Service == nil {
		c.warn(ing, at.Child(child).String(), "skipped: resource backends are not supported, only Service backends can be proxied")
		return route.Backend{}, false
	}
	port := b.Service.Port.Name
	if port == "" {
		port = strconv.Itoa(int(b.Service.Port.Number))
	}
	return route.Backend{Namespace: ing.Namespace, Service: b.Service.Name, Port: port}, true
}

// addTLS records the certificate Secret of each host the Ingress's tls
// section covers, unless an earlier Ingress already did.
func (c *compiler) addTLS(ing Ingress) {
	if c.tlsHosts == nil {
		c.tlsHosts = map[string]TLSHost{}
	}
	for i, t := range ing.Spec.TLS {
		if t.SecretName == "" {
			continue
		}
		secret := ing.Namespace + "/" + t.SecretName
		hosts := t.Hosts
		if len(hosts) == 0 {
			hosts = []string{""}
		}
		for j, host := range hosts {
			if first, seen := c.tlsHosts[host]; seen {
				if first.Origin != ing.Ref() || first.Secret != secret {
					c.warn(ing, field.NewPath("spec", "tls").Index(i).Child("hosts").Index(j).String(), fmt.Sprintf(
						"ignored: host %q already gets its certificate from secret %s of %s, which comes first in merge order", hostLabel(host), first.Secret, first.Origin))
				}
				continue
			}
			t := TLSHost{Host: host, Secret: secret, Origin: ing.Ref(), Source: ing.Source}
			c.tlsHosts[host] = t
			c.out.TLS = append(c.out.TLS, t)
		}
		if !c.secretLoaded(ing.Namespace, t.SecretName) {
			c.warn(ing, field.NewPath("spec", "tls").Index(i).Child("secretName").String(), fmt.Sprintf(
				"secret %s is not loaded; its hosts are served with the default certificate until it is", secret))
		}
	}
}

func (c *compiler) secretLoaded(namespace, name string) bool {
	key := namespace + "/" + name
	x := c.objects()
	return x.provided[key] || x.secrets[key] != nil
}

// routeErrors maps the route package's rule errors (regexes RE2 cannot
// compile) back to the Ingress field that produced the rule.
func (c *compiler) routeErrors(err error) {
	ruleErrs := ruleErrors(err)
	if len(ruleErrs) == 0 {
		c.errs = append(c.errs, &Error{Err: err})
		return
	}
	for _, re := range ruleErrs {
		p := c.places[re.Index]
		c.fail(p.ing, field.Invalid(p.field.Child("path"), re.Rule.Path, re.Err.Error()))
	}
}

// ruleErrors flattens the errors.Join tree route.New returns.
func ruleErrors(err error) []*route.RuleError {
	if re, ok := err.(*route.RuleError); ok {
		return []*route.RuleError{re}
	}
	var out []*route.RuleError
	if multi, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range multi.Unwrap() {
			out = append(out, ruleErrors(e)...)
		}
	}
	return out
}

// conflictWarning reports a rule dropped by route.New, on the Ingress that
// lost, naming the one that won.
func (c *compiler) conflictWarning(conflict route.Conflict) {
	dropped, p := conflict.Dropped, c.places[conflict.Index]
	what, at := fmt.Sprintf("path %q (%s)", dropped.Path, dropped.Type), p.field.Child("path")
	if dropped.Type == route.Default {
		what, at = "default backend", p.field
	}
	c.warn(p.ing, at.String(), fmt.Sprintf("ignored: host %q %s is already routed by %s, which comes first in merge order",
		hostLabel(dropped.Host), what, conflict.Kept.Origin))
}

func hostLabel(host string) string {
	if host == "" {
		return "*"
	}
	return host
}
