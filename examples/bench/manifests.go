package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Names in the generated manifests. The backend overrides given to
// ingress-proxy (-backend) refer to these Services.
const (
	manifestNamespace = "bench"
	backendService    = "backend"     // plain HTTP, port 80
	backendTLSService = "backend-tls" // HTTPS, port 443
	tlsSecretName     = "bench-tls"
	changeHost        = "change.bench.test" // the Ingress the reload test edits
)

// ingressFiles names the files writeManifests writes.
const (
	routesFile = "ingresses.yaml"
	secretFile = "tls-secret.yaml"
	changeFile = "change.yaml"
)

// manifestOptions say how the generated Ingresses reach the backend and
// whether they terminate TLS.
type manifestOptions struct {
	ClientTLS  bool
	BackendTLS bool
	CertPEM    []byte // for the kubernetes.io/tls Secret when ClientTLS
	KeyPEM     []byte
}

// writeManifests writes the routes as Kubernetes YAML into dir: one
// Ingress per rule (so that the large table is also 10,000 Ingress
// objects to read, validate and merge), and the TLS Secret when the
// Ingresses terminate TLS.
func writeManifests(dir string, routes []routeSpec, o manifestOptions) error {
	var b strings.Builder
	b.Grow(len(routes) * 600)
	for i, r := range routes {
		writeIngress(&b, fmt.Sprintf("r%05d", i), r, o)
	}
	if err := os.WriteFile(filepath.Join(dir, routesFile), []byte(b.String()), 0o644); err != nil {
		return err
	}
	if !o.ClientTLS {
		return nil
	}
	return os.WriteFile(filepath.Join(dir, secretFile), tlsSecret(o.CertPEM, o.KeyPEM), 0o644)
}

// writeChange writes the one Ingress that the reload test edits: host
// changeHost with the single path /vN, so that a request for /vN tells
// whether version N is being served.
func writeChange(dir string, version int, o manifestOptions) error {
	var b strings.Builder
	writeIngress(&b, "change", routeSpec{Host: changeHost, Path: fmt.Sprintf("/v%d", version)}, o)
	// Write to a temporary name and rename, so that a reload never reads a
	// half-written file.
	tmp := filepath.Join(dir, "."+changeFile+".tmp")
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, changeFile))
}

// writeIngress appends one Ingress document with one rule.
func writeIngress(b *strings.Builder, name string, r routeSpec, o manifestOptions) {
	service, port := backendService, 80
	b.WriteString("---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n")
	fmt.Fprintf(b, "  name: %s\n  namespace: %s\n", name, manifestNamespace)
	if o.BackendTLS {
		service, port = backendTLSService, 443
		// The backend's certificate is self-signed and ingress-proxy has no
		// flag for a backend CA; nginx does not verify by default either.
		b.WriteString("  annotations:\n")
		b.WriteString("    nginx.ingress.kubernetes.io/backend-protocol: \"HTTPS\"\n")
		b.WriteString("    nginx.ingress.kubernetes.io/proxy-ssl-verify: \"off\"\n")
	}
	b.WriteString("spec:\n")
	if o.ClientTLS {
		fmt.Fprintf(b, "  tls:\n    - hosts: [%q]\n      secretName: %s\n", r.Host, tlsSecretName)
	}
	fmt.Fprintf(b, "  rules:\n    - host: %q\n      http:\n        paths:\n", r.Host)
	fmt.Fprintf(b, "          - path: %s\n            pathType: Prefix\n", r.Path)
	fmt.Fprintf(b, "            backend:\n              service:\n                name: %s\n                port:\n                  number: %d\n", service, port)
}

// tlsSecret returns a kubernetes.io/tls Secret holding the certificate.
func tlsSecret(certPEM, keyPEM []byte) []byte {
	enc := base64.StdEncoding.EncodeToString
	return []byte(fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: %s
  namespace: %s
type: kubernetes.io/tls
data:
  tls.crt: %s
  tls.key: %s
`, tlsSecretName, manifestNamespace, enc(certPEM), enc(keyPEM)))
}

// backendOverrides returns the -backend flags that send the generated
// Services to the harness's backend.
func backendOverrides(httpAddr, httpsAddr string) []string {
	return []string{
		"-backend", fmt.Sprintf("%s/%s:80=http://%s", manifestNamespace, backendService, httpAddr),
		"-backend", fmt.Sprintf("%s/%s:443=https://%s", manifestNamespace, backendTLSService, httpsAddr),
	}
}
