package gateway

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/route"
)

// DefaultControllerName is the controllerName of the GatewayClasses served
// when Options.ControllerName is empty.
const DefaultControllerName = "github.com/ingressmux/ingressmux/gateway"

// Options configure Compile.
type Options struct {
	// ControllerName selects the GatewayClasses served: those whose
	// spec.controllerName equals it. Empty means DefaultControllerName.
	ControllerName string
	// Backends overrides where Service ports are, as for Ingresses: keys
	// are "namespace/service:port", values "host:port" or a URL such as
	// "http://127.0.0.1:8080". An overridden backend resolves even when
	// its Service is not loaded.
	Backends map[string]string
	// Resolver, when not nil, is asked for every backend without an
	// override, before the loaded Services.
	Resolver ingress.Resolver
	// ClusterDomain is the domain of cluster DNS names, the last resort
	// for a loaded Service without EndpointSlices. Empty means
	// ingress.DefaultClusterDomain.
	ClusterDomain string
	// Now is the lastTransitionTime written on every status condition.
	// The zero time leaves it unset, which keeps the status of one input
	// the same from run to run.
	Now time.Time
}

// controllerNamePattern is what the GatewayClass CRD accepts as
// spec.controllerName: a domain-prefixed path.
var controllerNamePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$`)

// CheckControllerName reports why name cannot be the controllerName of a
// GatewayClass, as the apiserver would refuse it: it must be a
// domain-prefixed path such as "example.com/gateway-controller", at most
// 253 characters. A name no GatewayClass can have would select none, and
// every Gateway API object would silently go unserved.
func CheckControllerName(name string) error {
	if len(name) > 253 || !controllerNamePattern.MatchString(name) {
		return fmt.Errorf("gateway: controller name %q: must be a domain-prefixed path of at most 253 characters, such as %q", name, DefaultControllerName)
	}
	return nil
}

func (o *Options) controller() string {
	if o.ControllerName == "" {
		return DefaultControllerName
	}
	return o.ControllerName
}

// Compiled is what Compile makes of the Gateway API objects of a Set.
type Compiled struct {
	// Table routes the requests of every route attached to a served
	// Gateway. Every rule's Value is a *proxy.Route. Nil when no rule is
	// served.
	Table *route.Table
	// TLS lists the certificate Secret of each HTTPS listener hostname
	// ("" for a listener without one, whose certificate is the default),
	// in Gateway order.
	TLS []ingress.TLSHost
	// Listeners lists the listeners of the served Gateways and where the
	// program serves them.
	Listeners []Listener
	// Status is the status of every object this controller owns, as the
	// Gateway API specification defines it.
	Status Status
	// Warnings lists what is not served as written.
	Warnings []ingress.Warning
}

// Served says on which of the program's listeners a Gateway listener is
// served.
type Served string

// Where listeners are served. A Gateway listener's port number does not
// choose the socket: the program listens where it is told to.
const (
	// ServedPlain is the program's plain-HTTP listener.
	ServedPlain Served = "plain"
	// ServedTLS is the program's TLS listener.
	ServedTLS Served = "tls"
	// NotServed marks a listener that is not programmed.
	NotServed Served = "not served"
)

// Listener is one listener of a served Gateway.
type Listener struct {
	// Gateway is the Gateway's "namespace/name".
	Gateway string
	// Name is the listener's name (its sectionName).
	Name string
	// Protocol is HTTP or HTTPS.
	Protocol string
	// Port is the port number the Gateway asks for. It is recorded, not
	// listened on: HTTP listeners are served on the program's plain
	// listener and HTTPS listeners on its TLS listener.
	Port int32
	// Hostname is the listener's hostname, "" for any.
	Hostname string
	// Served says where the listener is served.
	Served Served
	// AttachedRoutes counts the routes attached to the listener.
	AttachedRoutes int32
}

// String describes the listener for a -check style report.
func (l Listener) String() string {
	host := l.Hostname
	if host == "" {
		host = "*"
	}
	where := "served on the plain-HTTP listener"
	switch l.Served {
	case ServedTLS:
		where = "served on the TLS listener"
	case NotServed:
		where = "not served (not programmed)"
	}
	return fmt.Sprintf("gateway %s listener %s: %s port %d host %s, %s, %d route(s)",
		l.Gateway, l.Name, l.Protocol, l.Port, host, where, l.AttachedRoutes)
}

// Compile compiles the Gateway API objects of set (the Gateways of the
// GatewayClasses whose controllerName is Options.ControllerName, and the
// HTTPRoutes and GRPCRoutes attached to them) into a routing table, with
// the status of every object and warnings. Objects of other controllers
// are left alone. Every Gateway API object is first validated as the
// apiserver would (see ValidateObject): those it would refuse are left out
// and their problems returned as an ingress.ErrorList, with the Compiled
// of the others. Problems that the apiserver lets through (a missing
// Service, a reference without a ReferenceGrant, ...) are reported in the
// objects' status and in Warnings, as a Gateway API controller reports
// them, never as an error.
//
// An Options.ControllerName that CheckControllerName refuses is an error,
// and nothing is compiled.
func Compile(set *ingress.Set, opts Options) (*Compiled, error) {
	if opts.ControllerName != "" {
		if err := CheckControllerName(opts.ControllerName); err != nil {
			return nil, err
		}
	}
	valid, invalid := checked(set)
	c := newCompiler(valid, opts)
	c.classes()
	c.gateways()
	c.routes()
	c.policies()
	out, err := c.finish()
	if err == nil && len(invalid) > 0 {
		err = invalid
	}
	return out, err
}

// finish builds the table, dropping the rules the route package rejects
// (each reported on its route), and sorts the status.
func (c *compiler) finish() (*Compiled, error) {
	out := c.out
	out.Status.sort()
	if len(c.rules) == 0 {
		return out, nil
	}
	opts := route.Options{DeepWildcards: c.deepWildcards(), SpecificWildcardsFirst: true}
	table, err := route.NewWithOptions(c.rules, opts)
	if err != nil {
		bad := map[int]bool{}
		for _, e := range flatten(err) {
			var re *route.RuleError
			if errors.As(e, &re) {
				bad[re.Index] = true
				c.warn(c.ruleSources[re.Index], c.rules[re.Index].Origin, "", "rule not served: "+re.Err.Error())
			}
		}
		if len(bad) == 0 {
			return out, err
		}
		kept := c.rules[:0:0]
		for i, r := range c.rules {
			if !bad[i] {
				kept = append(kept, r)
			}
		}
		if table, err = route.NewWithOptions(kept, opts); err != nil {
			return out, err
		}
	}
	sources := map[string]ingress.Source{}
	for i, r := range c.rules {
		sources[r.Origin] = c.ruleSources[i]
	}
	for _, cf := range table.Conflicts() {
		c.warn(sources[cf.Dropped.Origin], cf.Dropped.Origin, "", cf.String())
	}
	out.Table = table
	return out, nil
}

// flatten unwraps an errors.Join.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// deepWildcards lists the wildcard hosts of the rules: Gateway API
// wildcards cover any number of labels.
func (c *compiler) deepWildcards() []string {
	var out []string
	for _, r := range c.rules {
		if strings.HasPrefix(r.Host, "*.") && !slices.Contains(out, r.Host) {
			out = append(out, r.Host)
		}
	}
	slices.Sort(out)
	return out
}
