package ingressmux_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
)

// TestConformanceHTTPSListener ports the Gateway API conformance test
// HTTPRouteHTTPSListener end to end: the suite's HTTPS Gateway and its
// routes, loaded from files, served on a TLS listener with the Mux's
// certificates; each host gets the Gateway's certificate by SNI and its
// route's backend, an unknown host 404.
func TestConformanceHTTPSListener(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"gateway/testdata/conformance-base.yaml", "gateway/testdata/conformance/httproute-https-listener.yaml"} {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		data = []byte(strings.ReplaceAll(string(data), "{GATEWAY_CLASS_NAME}", "ingressmux"))
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644))
	}
	secret, leaf := certSecret(t, "tls-validity-checks-certificate", "example.org")
	secret = strings.Replace(secret, "metadata: {name: tls-validity-checks-certificate}", "metadata: {name: tls-validity-checks-certificate, namespace: gateway-conformance-infra}", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secret.yaml"), []byte(secret), 0o644))
	v1, v2 := backend(t, "infra-backend-v1"), backend(t, "infra-backend-v2")
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{dir}, Logger: quiet(), Options: ingress.Options{Backends: map[string]string{
		"gateway-conformance-infra/infra-backend-v1:8080": v1.URL, "gateway-conformance-infra/infra-backend-v2:8080": v2.URL,
	}}})
	require.NoError(t, err)
	defer mux.Close()
	srv := httptest.NewUnstartedServer(mux)
	srv.TLS = mux.TLSConfig()
	srv.StartTLS()
	defer srv.Close()

	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	for _, c := range []struct {
		host    string
		status  int
		backend string
	}{
		{"example.org", 200, "infra-backend-v1"},
		{"unknown-example.org", 404, ""},
		{"second-example.org", 200, "infra-backend-v2"},
	} {
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{ServerName: c.host, RootCAs: roots, InsecureSkipVerify: c.host != "example.org"}}}
		req, err := http.NewRequest("GET", srv.URL+"/", nil)
		require.NoError(t, err)
		req.Host = c.host
		res, err := client.Do(req)
		require.NoError(t, err, c.host)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.Equal(t, c.status, res.StatusCode, c.host)
		assert.Equal(t, leaf.Raw, res.TLS.PeerCertificates[0].Raw, "%s: the Gateway's certificate", c.host)
		if c.backend != "" {
			assert.True(t, strings.HasPrefix(string(body), c.backend+" "), "%s: %s", c.host, body)
		}
		client.CloseIdleConnections()
	}
}
