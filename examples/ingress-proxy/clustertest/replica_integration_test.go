//go:build integration

package clustertest

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ingressmux/ingressmux/internal/kubetest"
)

// deployDir holds the deploy manifests the tests apply: the shipped ones
// unless the flag says otherwise.
var deployDir = flag.String("deploy-dir", "../deploy", "`DIR` of deploy manifests (*.yaml) to apply and run the replicas with")

// electionID is the Lease the replicas elect their leader with.
const electionID = "ingressmux-clustertest"

// replica is one ingress-proxy process in cluster mode.
type replica struct {
	name string
	proc *kubetest.Process
	// http, https and admin are the replica's listen addresses.
	http, https, admin string
	// credential is the id under which the apiserver audits the replica's
	// token.
	credential string
	client     *http.Client
}

// startReplica runs the program in cluster mode as POD_NAME name, with a
// token of the shipped ServiceAccount of its own, and waits until its
// /readyz answers 200.
func (c *cluster) startReplica(tb testing.TB, name string, extraArgs ...string) *replica {
	tb.Helper()
	cfg := c.cp.ServiceAccountConfig(tb, c.serviceAccount[0], c.serviceAccount[1])
	credential, err := kubetest.TokenCredentialID(cfg.BearerToken)
	if err != nil {
		tb.Fatal(err)
	}
	kubeconfig := filepath.Join(c.cp.Dir, name+".kubeconfig")
	kubetest.WriteKubeconfig(tb, cfg, kubeconfig)
	r := &replica{
		name:       name,
		http:       kubetest.FreeAddr(tb),
		https:      kubetest.FreeAddr(tb),
		admin:      kubetest.FreeAddr(tb),
		credential: credential,
		client: &http.Client{
			Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16},
			Timeout:   10 * time.Second,
		},
	}
	args := append([]string{
		"-kubeconfig", kubeconfig,
		"-ingress-class", c.class,
		"-publish-status-address", statusAddress,
		"-election-id", electionID,
		"-election-namespace", c.electionNamespace,
		"-listen", r.http,
		"-tls-listen", r.https,
		"-admin-listen", r.admin,
		"-access-log=false",
	}, extraArgs...)
	r.proc = kubetest.StartProcess(tb, c.cp.Dir, name, programPath, args, []string{"POD_NAME=" + name})
	tb.Cleanup(r.client.CloseIdleConnections)
	eventually(tb, 2*time.Minute, name+" /readyz", func() error {
		if exited, err := r.proc.Exited(); exited {
			tb.Fatalf("%s exited (%v):\n%s", name, err, r.proc.Tail(30))
		}
		return r.ready()
	})
	return r
}

// ready returns nil if the replica's /readyz answers 200.
func (r *replica) ready() error {
	resp, err := r.client.Get("http://" + r.admin + "/readyz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// answer is what a replica answered to one request.
type answer struct {
	status  int
	backend string // the echo backend that answered, "" if none
}

func (a answer) String() string { return fmt.Sprintf("%d from %q", a.status, a.backend) }

// get sends GET http://host/path to the replica's plain HTTP listener.
func (r *replica) get(host, path string) (answer, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+r.http+path, nil)
	if err != nil {
		return answer{}, err
	}
	req.Host = host
	resp, err := r.client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, backend: resp.Header.Get(kubetest.EchoHeader)}, nil
}

// routesTo returns nil if GET http://host/path on the replica is answered
// with 200 by the echo backend want.
func (r *replica) routesTo(host, path, want string) error {
	a, err := r.get(host, path)
	if err != nil {
		return fmt.Errorf("%s: GET %s%s: %w", r.name, host, path, err)
	}
	if a.status != http.StatusOK || a.backend != want {
		return fmt.Errorf("%s: GET %s%s = %v, want 200 from %q", r.name, host, path, a, want)
	}
	return nil
}

// notRouted returns nil if GET http://host/path on the replica reaches no
// backend and is answered 404, as a request matching no Ingress is.
func (r *replica) notRouted(host, path string) error {
	a, err := r.get(host, path)
	if err != nil {
		return fmt.Errorf("%s: GET %s%s: %w", r.name, host, path, err)
	}
	if a.status != http.StatusNotFound || a.backend != "" {
		return fmt.Errorf("%s: GET %s%s = %v, want 404 from no backend", r.name, host, path, a)
	}
	return nil
}

// servesCertificate returns nil if a TLS handshake with the replica's HTTPS
// listener for server name host yields a certificate for host that roots
// trust.
func (r *replica) servesCertificate(host string, roots *x509.CertPool) error {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(dialer, "tcp", r.https, &tls.Config{ServerName: host, RootCAs: roots})
	if err != nil {
		return fmt.Errorf("%s: TLS handshake for %s: %w", r.name, host, err)
	}
	return conn.Close()
}

// onBoth returns the first error check returns for any of the replicas.
func onBoth(replicas []*replica, check func(*replica) error) error {
	for _, r := range replicas {
		if err := check(r); err != nil {
			return err
		}
	}
	return nil
}
