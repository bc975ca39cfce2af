package ingress

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/ingressmux/ingressmux/route"
)

// DefaultClusterDomain is the DNS domain of Services when a backend falls
// back to its cluster DNS name.
const DefaultClusterDomain = "cluster.local"

// Target is a backend resolved to addresses. Compile's routes carry it as
// the proxy.Upstream made from it (Name, Endpoints, Resolution); it is
// exported for other front ends that resolve the same Services.
type Target struct {
	// Name is "namespace/service:port" as the Ingress wrote it.
	Name string
	// Addresses are the "host:port" addresses to send requests to, in
	// order. Empty means no ready endpoint: requests get 503.
	Addresses []string
	// DNSName is the backend's DNS name when it has one (an ExternalName,
	// or the cluster DNS name), the default name to verify an HTTPS
	// backend's certificate against. Empty for endpoints given as IPs.
	DNSName string
	// Via says how the backend was resolved: "override", "resolver",
	// "externalname", "endpointslice", "service-upstream" (the cluster
	// IP) or "cluster-dns"; "unresolved" when it could not be (a named
	// port without its Service, a port the Service does not have).
	Via string
	// Scheme is the scheme of an override URL ("http" or "https"), empty
	// when the override gave none.
	Scheme string
}

// Resolver finds the addresses of a backend. It returns nil addresses and
// a nil error for backends it does not handle, which then resolve from the
// loaded Services.
type Resolver func(b route.Backend) (addresses []string, err error)

// resolver resolves backends for one Compile, caching each answer so that
// a Service used by many paths is resolved (and warned about) once.
type resolver struct {
	opts     *Options
	services map[string]*corev1.Service              // "ns/name"
	slices   map[string][]*discoveryv1.EndpointSlice // "ns/service"
	cache    map[route.Backend]*resolved
	cacheSvc map[route.Backend]*resolved // service-upstream answers
	// everyCaller gives every caller the warning, not only the first (see
	// Options.backendWarnings).
	everyCaller bool
}

type resolved struct {
	target  Target
	warning string // empty, or why the answer may not be what the user expects
	err     error
}

// newResolver resolves the backends of set, with its cache made for
// backends backends.
func newResolver(set *Set, opts *Options, backends int) *resolver {
	r := &resolver{opts: opts, services: map[string]*corev1.Service{}, slices: map[string][]*discoveryv1.EndpointSlice{}, cache: make(map[route.Backend]*resolved, backends)}
	for _, s := range set.Services {
		r.services[s.Namespace+"/"+s.Name] = s.Service
	}
	for _, s := range set.EndpointSlices {
		if svc := s.Labels[discoveryv1.LabelServiceName]; svc != "" {
			key := s.Namespace + "/" + svc
			r.slices[key] = append(r.slices[key], s.EndpointSlice)
		}
	}
	return r
}

// resolve returns the cached resolution of b. The first caller of a
// backend gets its warning, later callers get "".
func (r *resolver) resolve(b route.Backend) (Target, string, error) {
	if res, ok := r.cache[b]; ok {
		if r.everyCaller {
			return res.target, res.warning, res.err
		}
		return res.target, "", res.err
	}
	res := r.lookup(b)
	r.cache[b] = res
	return res.target, res.warning, res.err
}

// resolveServiceUpstream resolves b for service-upstream: the Service's
// cluster IP and port as the one address, instead of its endpoints.
// Overrides and the Resolver still come first; a Service that is not
// loaded falls back to its cluster DNS name, which names the cluster IP
// too. Headless and ExternalName Services have no cluster IP and resolve
// as without service-upstream.
func (r *resolver) resolveServiceUpstream(b route.Backend) (Target, string, error) {
	if res, ok := r.cacheSvc[b]; ok {
		if r.everyCaller {
			return res.target, res.warning, res.err
		}
		return res.target, "", res.err
	}
	res := r.lookupServiceUpstream(b)
	if r.cacheSvc == nil {
		r.cacheSvc = map[route.Backend]*resolved{}
	}
	r.cacheSvc[b] = res
	return res.target, res.warning, res.err
}

func (r *resolver) lookupServiceUpstream(b route.Backend) *resolved {
	svc, ok := r.services[b.Namespace+"/"+b.Service]
	if _, overridden := r.override(b); overridden || r.opts.Resolver != nil || !ok {
		return r.lookup(b)
	}
	ip := svc.Spec.ClusterIP
	if svc.Spec.Type == corev1.ServiceTypeExternalName || ip == "" || ip == corev1.ClusterIPNone {
		return r.lookup(b)
	}
	res := &resolved{target: Target{Name: b.String(), Via: "service-upstream"}}
	port, found := servicePort(svc, b.Port)
	if !found {
		res.target.Via = "unresolved"
		res.warning = fmt.Sprintf("service %s/%s has no port %s; the backend has no address", b.Namespace, b.Service, b.Port)
		return res
	}
	res.target.Addresses = []string{net.JoinHostPort(ip, strconv.Itoa(int(port.Port)))}
	return res
}

func (r *resolver) lookup(b route.Backend) *resolved {
	res := &resolved{target: Target{Name: b.String()}}
	if raw, ok := r.override(b); ok {
		res.target.Via = "override"
		res.target.Scheme, res.err = parseOverride(raw, &res.target)
		return res
	}
	if r.opts.Resolver != nil {
		addrs, err := r.opts.Resolver(b)
		if err != nil {
			res.err = fmt.Errorf("resolver: %w", err)
			return res
		}
		if addrs != nil {
			res.target.Via, res.target.Addresses = "resolver", addrs
			return res
		}
	}
	svc, ok := r.services[b.Namespace+"/"+b.Service]
	if !ok {
		return r.clusterDNS(b, res, "service "+b.Namespace+"/"+b.Service+" is not loaded")
	}
	port, found := servicePort(svc, b.Port)
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		name := strings.TrimSuffix(svc.Spec.ExternalName, ".")
		number := b.Port
		if found {
			number = strconv.Itoa(int(port.Port))
		} else if _, numeric := portNumber(b.Port); !numeric {
			res.target.Via = "unresolved"
			res.warning = fmt.Sprintf("ExternalName service %s/%s has no port named %q; the backend has no address", b.Namespace, b.Service, b.Port)
			return res
		}
		res.target.Via, res.target.DNSName = "externalname", name
		res.target.Addresses = []string{net.JoinHostPort(name, number)}
		return res
	}
	if !found {
		res.target.Via = "unresolved"
		res.warning = fmt.Sprintf("service %s/%s has no port %s; the backend has no address", b.Namespace, b.Service, b.Port)
		return res
	}
	slices := r.slices[b.Namespace+"/"+b.Service]
	if len(slices) == 0 {
		return r.clusterDNS(b, res, "service "+b.Namespace+"/"+b.Service+" has no EndpointSlice loaded")
	}
	res.target.Via = "endpointslice"
	res.target.Addresses = readyAddresses(slices, port)
	if len(res.target.Addresses) == 0 {
		res.warning = fmt.Sprintf("service %s/%s has no ready endpoint for port %s; requests get 503", b.Namespace, b.Service, b.Port)
	}
	return res
}

// override finds the override of b, whose port may be spelled as the
// Ingress spells it or, when the Service is loaded, by the other of its
// number and name.
func (r *resolver) override(b route.Backend) (string, bool) {
	if len(r.opts.Backends) == 0 {
		return "", false
	}
	if raw, ok := r.opts.Backends[b.String()]; ok {
		return raw, true
	}
	if svc, ok := r.services[b.Namespace+"/"+b.Service]; ok {
		if port, ok := servicePort(svc, b.Port); ok {
			for _, alt := range []string{strconv.Itoa(int(port.Port)), port.Name} {
				other := b
				other.Port = alt
				if raw, ok := r.opts.Backends[other.String()]; ok && alt != "" {
					return raw, true
				}
			}
		}
	}
	return "", false
}

// clusterDNS falls back to the Service's DNS name inside a cluster, which
// only resolves where cluster DNS does: a warning says so.
func (r *resolver) clusterDNS(b route.Backend, res *resolved, why string) *resolved {
	domain := r.opts.ClusterDomain
	if domain == "" {
		domain = DefaultClusterDomain
	}
	name := b.Service + "." + b.Namespace + ".svc." + domain
	svc := r.services[b.Namespace+"/"+b.Service]
	number := b.Port
	if svc != nil {
		if port, ok := servicePort(svc, b.Port); ok {
			number = strconv.Itoa(int(port.Port))
		}
	}
	if _, numeric := portNumber(number); !numeric {
		res.target.Via = "unresolved"
		res.warning = why + "; the named port " + strconv.Quote(b.Port) + " cannot be resolved without it, so the backend has no address"
		return res
	}
	res.target.Via, res.target.DNSName = "cluster-dns", name
	res.target.Addresses = []string{net.JoinHostPort(name, number)}
	res.warning = why + "; using its cluster DNS name " + res.target.Addresses[0] + ", which resolves only inside the cluster (give an address with a backend override)"
	return res
}

// servicePort finds the Service port an Ingress names by number or name.
func servicePort(svc *corev1.Service, port string) (corev1.ServicePort, bool) {
	number, numeric := portNumber(port)
	for _, p := range svc.Spec.Ports {
		if (numeric && int(p.Port) == number) || (!numeric && p.Name == port) {
			return p, true
		}
	}
	return corev1.ServicePort{}, false
}

// readyAddresses lists the ready endpoints of the slices for one Service
// port. The slice port is matched by the Service port's name, which is how
// EndpointSlices resolve named targetPorts.
func readyAddresses(slices []*discoveryv1.EndpointSlice, svcPort corev1.ServicePort) []string {
	var addrs []string
	for _, s := range slices {
		var number int32 = -1
		for _, p := range s.Ports {
			name := ""
			if p.Name != nil {
				name = *p.Name
			}
			if name == svcPort.Name && p.Port != nil {
				number = *p.Port
			}
		}
		if number < 0 {
			continue
		}
		for _, e := range s.Endpoints {
			if e.Conditions.Ready != nil && !*e.Conditions.Ready {
				continue // nil means ready, as the API documents
			}
			for _, a := range e.Addresses {
				addrs = append(addrs, net.JoinHostPort(a, strconv.Itoa(int(number))))
			}
		}
	}
	return addrs
}

// parseOverride reads an override: a URL (http://host:port, https://…) or
// a bare host:port.
func parseOverride(raw string, t *Target) (scheme string, err error) {
	hostPort := raw
	if strings.Contains(raw, "://") {
		u, err := url.Parse(raw)
		if err != nil {
			return "", fmt.Errorf("override %q: %w", raw, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return "", fmt.Errorf("override %q: scheme must be http or https", raw)
		}
		if u.Path != "" && u.Path != "/" {
			return "", fmt.Errorf("override %q: a path is not supported; give scheme://host:port", raw)
		}
		scheme, hostPort = u.Scheme, u.Host
		if u.Port() == "" {
			hostPort = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
		}
	}
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil || host == "" || port == "" {
		return "", fmt.Errorf("override %q: want host:port or a URL such as http://127.0.0.1:8080", raw)
	}
	t.Addresses = []string{hostPort}
	return scheme, nil
}

// portNumber reads a port an Ingress spells as a number; a name (the
// usual other spelling) is told apart without strconv's error, which
// would be made for every named port of a load.
func portNumber(port string) (int, bool) {
	if port == "" || strings.Trim(port, "0123456789+-") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(port)
	return n, err == nil
}
