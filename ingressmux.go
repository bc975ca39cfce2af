package ingressmux

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// Config says where the manifests are and how to serve them. Only Paths (or
// FS) is required.
type Config struct {
	// Paths are files and directories of Kubernetes YAML or JSON, read in
	// order (see ingress.Decoder.ReadFiles).
	Paths []string
	// FS, when not nil, is where Paths are read from (an embed.FS, say);
	// Paths are then fs.FS paths and "." reads everything.
	FS fs.FS
	// Options select and compile the Ingresses: class, annotation prefix,
	// backend overrides and resolver, cluster domain.
	ingress.Options
	// Secrets supplies TLS certificates by "namespace/name", as if they were
	// kubernetes.io/tls Secrets; they win over loaded Secrets. Use it for
	// certificates that live outside the manifests.
	Secrets map[string]*tls.Certificate
	// DefaultCertificate is served to TLS clients whose name has no
	// certificate. Nil means a self-signed certificate generated at load,
	// like ingress-nginx's fake certificate.
	DefaultCertificate *tls.Certificate
	// BackendCAs verifies the certificates of HTTPS backends. Nil means the
	// system roots.
	BackendCAs *x509.CertPool
	// TrustedProxies lists the peers whose X-Forwarded-* headers are
	// believed (see proxy.Config.TrustedProxies). Nil trusts nobody.
	TrustedProxies []netip.Prefix
	// MaxBodyBytes is the body limit of routes without proxy-body-size.
	// Zero means 1 MiB, as in ingress-nginx; negative means no limit.
	MaxBodyBytes int64
	// NotFound answers requests no rule matches. Nil means a plain 404.
	NotFound http.Handler
	// HTTPSPort is the port the program serves HTTPS on, so that redirects
	// from plain HTTP point at it. Zero means 443.
	HTTPSPort int
	// LimitRejectStatus is the status of requests refused by limit-rps,
	// limit-rpm and limit-connections (ingress-nginx's
	// limit-req-status-code). Zero means 503; 429 is the usual choice.
	LimitRejectStatus int
	// Logger receives load warnings and backend errors. Nil means
	// slog.Default().
	Logger *slog.Logger
}

// Mux serves the Ingresses of its Config: it is an http.Handler, and its
// TLSConfig serves their certificates. Reload re-reads the sources and
// swaps the new routing in only if it builds.
type Mux struct {
	cfg     Config
	handler *proxy.Handler
	certs   *tlsconfig.Store

	mu       sync.Mutex // serialises Reload
	state    atomicState
	traffics trafficCache     // see traffic.go
	fallback *tls.Certificate // the generated default certificate
	objects  *ingress.Set     // served instead of cfg.Paths when not nil; see objects.go
}

// Load reads, validates and compiles the manifests of cfg and returns a
// ready Mux. The error, when not nil, lists every problem; see Warnings for
// what loaded but deserves attention.
func Load(cfg Config) (*Mux, error) {
	if len(cfg.Paths) == 0 {
		return nil, errNoSources
	}
	return newMux(cfg, nil)
}

// newMux builds a Mux that serves the files of cfg, or objects when it is
// not nil (see LoadObjects).
func newMux(cfg Config, objects *ingress.Set) (*Mux, error) {
	m := &Mux{cfg: cfg, certs: new(tlsconfig.Store), objects: objects}
	if err := m.ensureDefaultCertificate(); err != nil {
		return nil, err
	}
	b, err := m.build()
	if err != nil {
		return nil, err
	}
	h, err := proxy.New(proxy.Config{
		Table:          b.table,
		Certificates:   m.certs,
		TrustedProxies: cfg.TrustedProxies,
		MaxBodyBytes:   cfg.MaxBodyBytes,
		NotFound:       cfg.NotFound,
		RedirectPort:   cfg.HTTPSPort,
		Logger:         cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	m.handler = h
	m.install(b)
	return m, nil
}

// ServeHTTP proxies r according to the current routing table.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.handler.ServeHTTP(w, r) }

// TLSConfig returns a server TLS configuration that selects the Ingress
// certificates by SNI (exact host, then wildcard, then the default
// certificate), with TLS 1.2 at least and HTTP/2 by ALPN. Certificates
// follow reloads.
func (m *Mux) TLSConfig() *tls.Config { return m.certs.ServerConfig() }

// Reload re-reads the sources and, if they load, validate and compile,
// swaps in the new routing table and certificates. On error the running
// table keeps serving, untouched. In-flight requests finish on the table
// they started with.
func (m *Mux) Reload() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.build()
	if err != nil {
		return err
	}
	if err := m.handler.Reload(b.table); err != nil {
		return err
	}
	m.install(b)
	return nil
}

// Warnings returns the warnings of the last successful load.
func (m *Mux) Warnings() []ingress.Warning { return m.state.load().warnings }

// Compiled returns the result of the last successful load: the routing
// table as the ingress package built it (for Explain and dumps), the TLS
// hosts and the warnings.
func (m *Mux) Compiled() *ingress.Compiled { return m.state.load().compiled }

// built is one load: everything a swap needs, computed off to the side.
type built struct {
	compiled *ingress.Compiled
	table    *route.Table // with *proxy.Route values
	certs    map[string]*tls.Certificate
	warnings []ingress.Warning
}

// build loads, validates and compiles the sources and converts the result
// for the proxy, without touching what is being served.
func (m *Mux) build() (*built, error) {
	opts := m.cfg.Options
	for name := range m.cfg.Secrets {
		opts.ProvidedSecrets = append(opts.ProvidedSecrets, name)
	}
	set, compiled, err := m.load(opts)
	if err != nil {
		return nil, err
	}
	b := &built{compiled: compiled, warnings: compiled.Warnings}
	b.certs, b.warnings = m.certificates(set, compiled, b.warnings)
	if err := new(tlsconfig.Store).Replace(b.certs, nil); err != nil {
		return nil, fmt.Errorf("ingressmux: %w", err)
	}
	b.table, err = m.proxyTable(compiled.Table)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// install makes b the current state: certificates, then bookkeeping. The
// proxy table was already swapped by the caller.
func (m *Mux) install(b *built) {
	def := m.cfg.DefaultCertificate
	if def == nil {
		def = m.fallback
	}
	// build already checked b.certs against a scratch store, so this
	// cannot fail.
	_ = m.certs.Replace(b.certs, def)
	previous := m.state.load()
	m.state.store(&state{compiled: b.compiled, warnings: b.warnings})
	logger := m.cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	for _, w := range m.warningsToLog(previous, b.warnings) {
		logger.Warn("ingressmux: " + w.String())
	}
}

func (m *Mux) ensureDefaultCertificate() error {
	if m.cfg.DefaultCertificate != nil {
		return nil
	}
	cert, err := tlsconfig.SelfSigned("ingressmux.invalid")
	if err != nil {
		return fmt.Errorf("ingressmux: default certificate: %w", err)
	}
	m.fallback = cert
	return nil
}

// certificates maps each TLS host to its certificate: from Config.Secrets,
// else the loaded Secret. A host whose Secret is missing gets the default
// certificate explicitly, so that it still counts as a TLS host for
// ssl-redirect, as in ingress-nginx.
func (m *Mux) certificates(set *ingress.Set, compiled *ingress.Compiled, warnings []ingress.Warning) (map[string]*tls.Certificate, []ingress.Warning) {
	loaded := map[string]*corev1.Secret{}
	for _, s := range set.Secrets {
		loaded[s.Namespace+"/"+s.Name] = s.Secret
	}
	def := m.cfg.DefaultCertificate
	if def == nil {
		def = m.fallback
	}
	certs := map[string]*tls.Certificate{}
	for _, t := range compiled.TLS {
		cert := m.cfg.Secrets[t.Secret]
		if cert == nil {
			if s, ok := loaded[t.Secret]; ok {
				var err error
				cert, err = tlsconfig.KeyPair(s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey])
				if err != nil {
					warnings = append(warnings, ingress.Warning{Source: t.Source, Object: t.Origin, Message: fmt.Sprintf("secret %s: %v; serving the default certificate", t.Secret, err)})
				}
			}
		}
		if cert == nil {
			cert = def
		}
		if t.Host == "" {
			continue // a tls entry without hosts: the default certificate stays the configured one
		}
		certs[t.Host] = cert
	}
	return certs, warnings
}

// proxyTable converts the ingress routes into proxy routes. Routes that
// resolve to the same backend with the same connection settings share one
// *proxy.Upstream, and so one connection pool.
func (m *Mux) proxyTable(t *route.Table) (*route.Table, error) {
	m.traffics.sweep()
	upstreams := upstreamSet{}
	traffics := map[string]*proxy.Traffic{} // per Ingress, for this build
	rules := t.Rules()
	for i := range rules {
		r := rules[i].Value.(*ingress.Route)
		u := upstreams.share(m.upstream(r.Policy, r.Target))
		p := r.Policy
		rt := &proxy.Route{
			Upstream:         u,
			Host:             p.UpstreamVHost,
			MaxBodyBytes:     p.MaxBodyBytes,
			ReadTimeout:      p.ReadTimeout,
			SendTimeout:      p.SendTimeout,
			SSLRedirect:      p.SSLRedirect,
			ForceSSLRedirect: p.ForceSSLRedirect,
			Name:             rules[i].Origin,
			Rewrite:          r.Rewrite,
			ForwardedPrefix:  p.ForwardedPrefix,
			Redirect:         p.Redirect,
			AppRoot:          r.AppRoot,

			PreserveTrailingSlash: p.PreserveTrailingSlash,
			Traffic:               m.traffic(r, traffics),
		}
		m.addProxying(rt, r, rules[i].Backend, upstreams)
		rules[i].Value = rt
	}
	table, err := route.New(rules)
	if err != nil {
		return nil, fmt.Errorf("ingressmux: rebuilding the table for the proxy: %w", err)
	}
	return table, nil
}

// upstream describes the backend t for the proxy, with the connection
// settings of p. The TLS name of an HTTPS backend is proxy-ssl-name, else
// upstream-vhost (without port), else the backend's DNS name: the name a
// user would expect the certificate to be for.
func (m *Mux) upstream(p ingress.Policy, t ingress.Target) *proxy.Upstream {
	u := &proxy.Upstream{Name: t.Name, Endpoints: t.Addresses, ConnectTimeout: p.ConnectTimeout}
	switch p.Protocol {
	case "HTTPS":
		u.Protocol = proxy.HTTPS
	case "GRPC":
		u.Protocol = proxy.GRPC
	case "GRPCS":
		u.Protocol = proxy.GRPCS
	case "AUTO_HTTP":
		u.Protocol = proxy.AutoHTTP
	case "":
		if t.Scheme == "https" {
			u.Protocol = proxy.HTTPS
		}
	}
	serverName := p.ProxySSLName
	if serverName == "" && p.UpstreamVHost != "" {
		serverName = p.UpstreamVHost
		if host, _, err := net.SplitHostPort(serverName); err == nil {
			serverName = host
		}
	}
	if serverName == "" {
		serverName = t.DNSName
	}
	u.TLS = tlsconfig.Client{
		ServerName:         serverName,
		DisableSNI:         !p.ProxySSLServerName,
		RootCAs:            m.cfg.BackendCAs,
		InsecureSkipVerify: !p.ProxySSLVerify,
		VerifyDepth:        p.Upstream.VerifyDepth,
		MinVersion:         p.Upstream.MinTLSVersion,
		MaxVersion:         p.Upstream.MaxTLSVersion,
	}
	if p.Upstream.RootCAs != nil {
		u.TLS.RootCAs = p.Upstream.RootCAs
	}
	if c := p.Upstream.ClientCertificate; c != nil {
		u.TLS.Certificates = []tls.Certificate{*c}
	}
	u.Balancing = balancing(p.Balance)
	return u
}

// errNoSources is returned when Config names nothing to read.
var errNoSources = errors.New("ingressmux: Config.Paths is empty: nothing to load")

// Explain tells how the current table routes rawURL ("https://host/path",
// or "host/path"): the winning rule, if any, and every candidate with the
// reason it won or lost. The query string takes no part.
func (m *Mux) Explain(rawURL string) (route.Explanation, error) {
	if !strings.Contains(rawURL, "://") {
		rawURL = "http://" + rawURL
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return route.Explanation{}, fmt.Errorf("ingressmux: %w", err)
	}
	if u.Host == "" {
		return route.Explanation{}, fmt.Errorf("ingressmux: %q has no host", rawURL)
	}
	return m.Compiled().Table.Explain(u.Host, u.EscapedPath()), nil
}
