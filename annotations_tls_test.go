package ingressmux_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/internal/testpki"
)

// TestProxySSLAnnotations checks that each proxy-ssl-* annotation works on
// its own, against an HTTPS backend on loopback whose certificate is for
// backend.example.com: the connection is verified (or not) as asked, the
// backend sees the SNI asked for, and a client certificate is presented.
func TestProxySSLAnnotations(t *testing.T) {
	ca := testpki.NewCA(t, "backend CA")
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	clientCert, clientKey := testpki.PEM(ca.Issue(t, "ingressmux"))
	caSecret := "---\napiVersion: v1\nkind: Secret\nmetadata: {name: backend-ca}\ndata: {ca.crt: " + b64(ca.CertPEM()) + "}\n"
	mtlsSecret := "---\napiVersion: v1\nkind: Secret\nmetadata: {name: backend-mtls}\ndata: {ca.crt: " + b64(ca.CertPEM()) +
		", tls.crt: " + b64(clientCert) + ", tls.key: " + b64(clientKey) + "}\n"

	type backendKind struct {
		chain, requireClientCert bool
		maxVersion               uint16
	}
	start := func(t *testing.T, k backendKind) (*httptest.Server, *string) {
		sni := new(string)
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			*sni = r.TLS.ServerName
			w.Write([]byte("secure"))
		}))
		cert := ca.Issue(t, "backend.example.com")
		if k.chain {
			cert = ca.IssueChain(t, "backend.example.com")
		}
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}, MaxVersion: k.maxVersion}
		if k.requireClientCert {
			srv.TLS.ClientAuth, srv.TLS.ClientCAs = tls.RequireAndVerifyClientCert, ca.Pool()
		}
		srv.StartTLS()
		t.Cleanup(srv.Close)
		return srv, sni
	}

	for _, tt := range []struct {
		name        string
		annotations map[string]string
		extra       string
		backend     backendKind
		backendCAs  *x509.CertPool
		wantCode    int
		wantSNI     string
	}{
		{"proxy-ssl-secret's CA verifies, proxy-ssl-name is sent as SNI",
			a("proxy-ssl-secret", "default/backend-ca", "proxy-ssl-name", "backend.example.com"), caSecret, backendKind{}, nil, 200, "backend.example.com"},
		{"verification is on by default", a("proxy-ssl-name", "backend.example.com"), "", backendKind{}, nil, 502, ""},
		{"proxy-ssl-name alone, with the program's CAs", a("proxy-ssl-name", "backend.example.com"), "", backendKind{}, ca.Pool(), 200, "backend.example.com"},
		{"the wrong name is refused", a("proxy-ssl-secret", "backend-ca", "proxy-ssl-name", "other.example.com"), caSecret, backendKind{}, nil, 502, ""},
		{"proxy-ssl-verify off alone", a("proxy-ssl-verify", "off"), "", backendKind{}, nil, 200, ""},
		{"proxy-ssl-server-name off still verifies", a("proxy-ssl-secret", "backend-ca", "proxy-ssl-name", "backend.example.com", "proxy-ssl-server-name", "off"),
			caSecret, backendKind{}, nil, 200, ""},
		{"proxy-ssl-verify-depth 1 refuses an intermediate", a("proxy-ssl-secret", "backend-ca", "proxy-ssl-name", "backend.example.com", "proxy-ssl-verify-depth", "1"),
			caSecret, backendKind{chain: true}, nil, 502, ""},
		{"proxy-ssl-verify-depth 2 allows one", a("proxy-ssl-secret", "backend-ca", "proxy-ssl-name", "backend.example.com", "proxy-ssl-verify-depth", "2"),
			caSecret, backendKind{chain: true}, nil, 200, "backend.example.com"},
		{"proxy-ssl-protocols TLSv1.3 against a TLS 1.2 backend", a("proxy-ssl-verify", "off", "proxy-ssl-protocols", "TLSv1.3"),
			"", backendKind{maxVersion: tls.VersionTLS12}, nil, 502, ""},
		{"proxy-ssl-protocols TLSv1.2 TLSv1.3 against it", a("proxy-ssl-verify", "off", "proxy-ssl-protocols", "TLSv1.2 TLSv1.3"),
			"", backendKind{maxVersion: tls.VersionTLS12}, nil, 200, ""},
		{"proxy-ssl-secret's client certificate", a("proxy-ssl-secret", "backend-mtls", "proxy-ssl-name", "backend.example.com"),
			mtlsSecret, backendKind{requireClientCert: true}, nil, 200, "backend.example.com"},
		{"no client certificate without it", a("proxy-ssl-secret", "backend-ca", "proxy-ssl-name", "backend.example.com"),
			caSecret, backendKind{requireClientCert: true}, nil, 502, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, sni := start(t, tt.backend)
			tt.annotations["backend-protocol"] = "HTTPS"
			fsys := fstest.MapFS{"app.yaml": {Data: []byte(appIngress(tt.annotations, "/", "Prefix", false) + tt.extra)}}
			mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{"."}, FS: fsys, BackendCAs: tt.backendCAs, Logger: quiet(),
				Options: ingress.Options{Backends: map[string]string{"default/web:80": srv.Listener.Addr().String()}}})
			require.NoError(t, err)
			e, err := mux.Explain("http://app.example.com/")
			require.NoError(t, err)
			rec := serveAndExplain(t, mux, httptest.NewRequest(http.MethodGet, "http://app.example.com/", nil))
			require.Equal(t, tt.wantCode, rec.Code, rec.Body.String())
			if tt.wantCode == 200 {
				assert.Equal(t, tt.wantSNI, *sni)
				assert.Equal(t, tt.wantSNI, e.Outgoing.SNI, "Explain's SNI")
			}
		})
	}
}

// TestDefaultBackendOverHTTPSIsVerified checks that a default backend
// reached over HTTPS (an https:// backend override) has its certificate
// verified like any other backend: a self-signed one is refused.
func TestDefaultBackendOverHTTPSIsVerified(t *testing.T) {
	untrusted := httptest.NewTLSServer(echoHandler("errors"))
	defer untrusted.Close()
	web := echo(t, "web")
	fsys := fstest.MapFS{"app.yaml": {Data: []byte(appIngress(a("default-backend", "errors", "custom-http-errors", "404"), "/", "Prefix", false) + errorsServiceYAML)}}
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{"."}, FS: fsys, Logger: quiet(), Options: ingress.Options{Backends: map[string]string{
		"default/web:80": web.URL, "default/errors:8080": untrusted.URL,
	}}})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://app.example.com/status/404", nil))
	assert.Equal(t, 404, rec.Code, "the untrusted error page is not used; the backend's own 404 passes through")
	assert.Equal(t, "web", rec.Header().Get("X-Backend"))
}
