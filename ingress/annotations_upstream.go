package ingress

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// upstreamPolicy is what the annotations of one Ingress say about reaching
// its backends: TLS to them, which address, and where to fall back.
type upstreamPolicy struct {
	// ServiceUpstream is service-upstream: send to the Service's cluster
	// IP (or its cluster DNS name) rather than to its endpoints.
	ServiceUpstream bool
	// TLSSecret is proxy-ssl-secret as "namespace/name"; the policy's
	// upstream TLS RootCAs and Certificates come from its ca.crt, tls.crt
	// and tls.key.
	TLSSecret string
	// DefaultBackend is default-backend, resolved: where requests go when
	// the route's backend has no ready endpoint, and where the errors of
	// CustomHTTPErrors are sent. Nil when unset.
	DefaultBackend *resolvedDefaultBackend
	// CustomHTTPErrors is custom-http-errors: backend responses with these
	// status codes are replaced by DefaultBackend's answer.
	CustomHTTPErrors []int

	defaultBackendName string // the raw default-backend value
}

// resolvedDefaultBackend is a resolved default-backend annotation.
type resolvedDefaultBackend struct {
	// Backend is the Service and its first port.
	Backend route.Backend
	// Target is where it is.
	Target Target
}

// upstreamAnnotations are the annotations that fill Policy.Upstream.
var upstreamAnnotations = map[string]annotation{
	"service-upstream": {boolInto(func(p *policy) *bool { return &p.Upstream.ServiceUpstream })},
	"proxy-ssl-secret": {func(p *policy, v string) error {
		if !secretRef.MatchString(v) {
			return fmt.Errorf("must name a Secret as namespace/name (or name, in the Ingress's namespace)")
		}
		p.Upstream.TLSSecret = v
		return nil
	}},
	"proxy-ssl-verify-depth": {func(p *policy, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return fmt.Errorf("must be a whole number from 1 to 100: the certificates allowed above the backend's own")
		}
		p.upstream.TLS.VerifyDepth = n
		return nil
	}},
	"proxy-ssl-protocols": {func(p *policy, v string) error {
		lo, hi, err := tlsconfig.ParseProtocols(v)
		if err != nil {
			return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "tlsconfig: "))
		}
		p.upstream.TLS.MinVersion, p.upstream.TLS.MaxVersion = lo, hi
		return nil
	}},
	"default-backend": {func(p *policy, v string) error {
		if errs := apivalidation.IsDNS1035Label(v); len(errs) > 0 {
			return fmt.Errorf("must be the name of a Service in the Ingress's namespace: %s", strings.Join(errs, "; "))
		}
		p.Upstream.defaultBackendName = v
		return nil
	}},
	"custom-http-errors": {func(p *policy, v string) error {
		var codes []int
		for _, f := range strings.Split(strings.ReplaceAll(v, " ", ""), ",") {
			if f == "" {
				continue
			}
			n, err := strconv.Atoi(f)
			if err != nil || n < 400 || n > 599 {
				return fmt.Errorf("must be a comma-separated list of 4xx and 5xx status codes, such as 404,503")
			}
			if !slices.Contains(codes, n) {
				codes = append(codes, n)
			}
		}
		slices.Sort(codes)
		p.Upstream.CustomHTTPErrors = codes
		return nil
	}},
}

// secretRef is "name" or "namespace/name".
var secretRef = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[a-z0-9]([-.a-z0-9]*[a-z0-9])?$`)

// finishUpstream resolves what the upstream annotations of ing refer to:
// the proxy-ssl-secret and the default-backend Service. It reports false
// after recording errors.
func (c *compiler) finishUpstream(ing Ingress, p *policy) bool {
	ok := true
	if ref := p.Upstream.TLSSecret; ref != "" {
		at := field.NewPath("metadata", "annotations").Key(c.opts.annotation("proxy-ssl-secret"))
		if err := c.loadUpstreamTLS(ing, p); c.denyUntilLoaded(ing, p, "proxy-ssl-secret", err) {
			// Closed: the backend's TLS settings are left as if unset.
			p.Upstream.TLSSecret = ""
			p.upstream.TLS = tlsconfig.Client{InsecureSkipVerify: p.upstream.TLS.InsecureSkipVerify, DisableSNI: p.upstream.TLS.DisableSNI}
		} else if err != nil {
			c.fail(ing, field.Invalid(at, ref, err.Error()))
			ok = false
		}
	}
	if name := p.Upstream.defaultBackendName; name != "" {
		at := field.NewPath("metadata", "annotations").Key(c.opts.annotation("default-backend"))
		db, warning, err := c.defaultBackend(ing, name)
		var missing *unusableRef
		switch {
		case errors.As(err, &missing):
			// As in ingress-nginx, which ignores the annotation while it
			// cannot read the Service.
			c.warn(ing, at.String(), missing.Error()+"; ignored until it is: requests without a ready endpoint get 503 and backend errors pass through")
			p.Upstream.defaultBackendName = ""
		case err != nil:
			c.fail(ing, field.Invalid(at, name, err.Error()))
			ok = false
		default:
			if warning != "" {
				c.warnBackend(ing, at.String(), backendKey{backend: db.Backend}, warning)
			}
			p.Upstream.DefaultBackend = db
		}
	}
	if len(p.Upstream.CustomHTTPErrors) > 0 && p.Upstream.DefaultBackend == nil {
		c.warn(ing, field.NewPath("metadata", "annotations").Key(c.opts.annotation("custom-http-errors")).String(),
			"ignored: there is no default backend to send these errors to; set default-backend on the Ingress")
		p.Upstream.CustomHTTPErrors = nil
	}
	return ok
}

// loadUpstreamTLS reads the proxy-ssl-secret of ing into the TLS settings
// of p's upstream. As in ingress-nginx (allow-cross-namespace-resources
// off by default), the Secret must be in the Ingress's namespace.
func (c *compiler) loadUpstreamTLS(ing Ingress, p *policy) error {
	u := &p.Upstream
	secret, ref, err := c.secret(ing, u.TLSSecret)
	if err != nil {
		return err
	}
	u.TLSSecret = ref
	ca, crt, key := secret.Data["ca.crt"], secret.Data[corev1.TLSCertKey], secret.Data[corev1.TLSPrivateKeyKey]
	if len(ca) == 0 && len(crt) == 0 {
		return fmt.Errorf("secret %s has neither ca.crt (to verify the backend) nor tls.crt and tls.key (a client certificate)", u.TLSSecret)
	}
	if len(ca) > 0 {
		pool := x509.NewCertPool()
		p.upstream.TLS.RootCAs = pool
		if !pool.AppendCertsFromPEM(ca) {
			return fmt.Errorf("secret %s: ca.crt holds no PEM certificate", u.TLSSecret)
		}
	}
	if len(crt) > 0 || len(key) > 0 {
		cert, err := tlsconfig.KeyPair(crt, key)
		if err != nil {
			return fmt.Errorf("secret %s: %s", u.TLSSecret, strings.TrimPrefix(err.Error(), "tlsconfig: "))
		}
		p.upstream.TLS.Certificates = []tls.Certificate{*cert}
	}
	return nil
}

// defaultBackend resolves a default-backend annotation: a Service of the
// Ingress's namespace, on its first port, as in ingress-nginx.
func (c *compiler) defaultBackend(ing Ingress, name string) (*resolvedDefaultBackend, string, error) {
	svc := c.resolver.services[ing.Namespace+"/"+name]
	if svc == nil {
		return nil, "", &unusableRef{kind: "service", key: ing.Namespace + "/" + name}
	}
	if len(svc.Spec.Ports) == 0 {
		return nil, "", fmt.Errorf("service %s/%s has no ports: ingress-nginx sends to its first port", ing.Namespace, name)
	}
	b := route.Backend{Namespace: ing.Namespace, Service: name, Port: strconv.Itoa(int(svc.Spec.Ports[0].Port))}
	target, warning, err := c.resolver.resolve(b)
	if err != nil {
		return nil, "", err
	}
	return &resolvedDefaultBackend{Backend: b, Target: target}, warning, nil
}
