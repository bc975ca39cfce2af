package ingressmux

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/ingressmux/ingressmux/gateway"
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
	// certificate. Nil means the certificate of a Gateway API HTTPS
	// listener without a hostname, if the sources have one, else a
	// self-signed certificate generated at load, like ingress-nginx's fake
	// certificate.
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
	// Logger receives backend errors. Nil means slog.Default(). Load
	// warnings are not logged: they are returned by Warnings.
	Logger *slog.Logger
	// Resolver, when not nil, finds the addresses of backends without an
	// override, before the loaded Services; it replaces Options.Resolver.
	// It is given the context of Load, Reload or Resolve.
	Resolver Resolver
	// Hooks let the program observe and shape the proxying of every
	// request: request Info, transports, responses, error pages.
	Hooks Hooks
	// GatewayController is the controllerName of the Gateway API
	// GatewayClasses to serve. Empty means gateway.DefaultControllerName.
	GatewayController string
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
	fallback *tls.Certificate // the generated default certificate
	objects  *ingress.Set     // served instead of cfg.Paths when not nil; see LoadObjects
	live     live             // what incremental builds start from; see Apply
	// buildCtx is the context of the build under way (under mu, or in
	// Load), which the Resolver is asked with.
	buildCtx context.Context
}

// Load reads, validates and compiles the manifests of cfg and returns a
// ready Mux. The error, when not nil, lists every problem; see Warnings for
// what loaded but deserves attention. ctx bounds the Resolver's answers:
// once it is done, Load returns its error.
func Load(ctx context.Context, cfg Config) (loaded *Mux, err error) {
	start := time.Now()
	defer func() { reportLoad(cfg.Hooks.Reloaded, start, loaded, err) }()
	if len(cfg.Paths) == 0 {
		return nil, errNoSources
	}
	return newMux(ctx, cfg, nil)
}

// newMux builds a Mux that serves the files of cfg, or objects when it is
// not nil (see LoadObjects).
func newMux(ctx context.Context, cfg Config, objects *ingress.Set) (*Mux, error) {
	if err := checkOverrides(cfg.Backends); err != nil {
		return nil, err
	}
	if cfg.GatewayController != "" {
		if err := gateway.CheckControllerName(cfg.GatewayController); err != nil {
			return nil, fmt.Errorf("ingressmux: Config.GatewayController: %w", err)
		}
	}
	m := &Mux{cfg: cfg, certs: new(tlsconfig.Store), objects: objects}
	if err := m.ensureDefaultCertificate(); err != nil {
		return nil, err
	}
	b, err := m.build(ctx)
	if err != nil {
		return nil, err
	}
	pc := proxy.Config{
		Table:          b.table,
		Certificates:   m.certs,
		TrustedProxies: cfg.TrustedProxies,
		MaxBodyBytes:   cfg.MaxBodyBytes,
		NotFound:       cfg.NotFound,
		RedirectPort:   cfg.HTTPSPort,
		Logger:         cfg.Logger,

		BackendCAs:        cfg.BackendCAs,
		LimitRejectStatus: cfg.LimitRejectStatus,
	}
	cfg.Hooks.apply(&pc)
	h, err := proxy.New(pc)
	if err != nil {
		b.discard()
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
// they started with. ctx bounds the Resolver's answers.
func (m *Mux) Reload(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	start := time.Now()
	b, err := m.build(ctx)
	if err == nil {
		err = m.swap(b)
	}
	return m.reported("reload", start, err)
}

// Resolve asks where the backends are again (Config.Resolver, then the
// loaded EndpointSlices and Services) without re-reading the sources,
// and swaps in the routing with the new addresses if it compiles, as
// Reload does. A program whose Resolver learns of new endpoints calls it.
func (m *Mux) Resolve(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	start := time.Now()
	b, err := m.buildWith(ctx, func() (*built, error) { return m.buildFull(m.withGatewayObjects(m.live.tracker.Objects())) })
	if err == nil {
		err = m.swap(b)
	}
	return m.reported("resolve", start, err)
}

// Close releases the proxy's connections and goroutines (see
// proxy.Handler.Close): call it once the server has shut down. The Mux
// then answers every request with 503.
func (m *Mux) Close() error { return m.handler.Close() }

// Warnings returns the warnings of the last successful Load, Reload or
// Resolve. They are reported nowhere else: a program logs them, shows
// them or fails a test on them as it sees fit.
func (m *Mux) Warnings() []ingress.Warning { return m.state.load().warnings }

// Compiled returns the result of the last successful load: the routing
// table as the ingress package built it, with the Gateway API routes
// merged in when the sources have any (for Explain and dumps), the TLS
// hosts of both and the warnings.
func (m *Mux) Compiled() *ingress.Compiled { return m.state.load().compiled }

// built is one load: everything a swap needs, computed off to the side.
type built struct {
	compiled *ingress.Compiled
	table    *route.Table // the table to serve
	certs    map[string]*tls.Certificate
	warnings []ingress.Warning
	gateway  *gatewaySide // see gateway.go
	// pending is the incremental state that install makes current, and
	// discard drops (see Apply).
	pending *pendingLive
	// update, when not nil, says which rules table changed from the table
	// being served, so that the proxy prepares only those.
	update *tableUpdate
}

// build reads the sources (the objects the Mux serves, or the files, of
// which only those that changed are decoded again) and applies what
// changed, without touching what is being served.
func (m *Mux) build(ctx context.Context) (*built, error) {
	return m.buildWith(ctx, m.buildFromSources)
}

// buildWith runs build with the Resolver asked with ctx; a build that ctx
// cut short is not one to serve.
func (m *Mux) buildWith(ctx context.Context, build func() (*built, error)) (*built, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ingressmux: %w", err)
	}
	m.buildCtx = ctx
	defer func() { m.buildCtx = nil }()
	b, err := build()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		// The Resolver's answers may be cut short: not a table to serve.
		b.discard()
		return nil, fmt.Errorf("ingressmux: %w", err)
	}
	return b, nil
}

// install makes b the current state: certificates, then bookkeeping. The
// proxy table was already swapped by the caller.
func (m *Mux) install(b *built) {
	def := m.cfg.DefaultCertificate
	if def == nil {
		def = b.gatewayDefault(m.fallback)
	}
	// build already checked b.certs against a scratch store, so this
	// cannot fail.
	_ = m.certs.Replace(b.certs, def)
	b.commit()
	m.state.store(&state{compiled: b.compiled, warnings: b.warnings, gateway: b.gateway})
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
// else the Secret tr holds. A host whose Secret is missing gets the default
// certificate explicitly, so that it still counts as a TLS host for
// ssl-redirect, as in ingress-nginx.
func (m *Mux) certificates(tr *ingress.Tracker, compiled *ingress.Compiled, warnings []ingress.Warning) (map[string]*tls.Certificate, []ingress.Warning) {
	def := m.cfg.DefaultCertificate
	if def == nil {
		def = m.fallback
	}
	certs := map[string]*tls.Certificate{}
	for _, t := range compiled.TLS {
		cert, err := m.secretCert(tr, t.Secret)
		if err != nil {
			warnings = append(warnings, ingress.Warning{Source: t.Source, Object: t.Origin, Message: fmt.Sprintf("secret %s: %v; serving the default certificate", t.Secret, err)})
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

// secretCert returns the certificate of the Secret name: Config.Secrets'
// first, else that of the Secret tr holds; nil when neither has one.
func (m *Mux) secretCert(tr *ingress.Tracker, name string) (*tls.Certificate, error) {
	if c := m.cfg.Secrets[name]; c != nil {
		return c, nil
	}
	if s, ok := tr.Secret(name); ok {
		return m.live.keyPair(s.Secret)
	}
	return nil, nil
}

// errNoSources is returned when Config names nothing to read.
var errNoSources = errors.New("ingressmux: Config.Paths is empty: nothing to load")
