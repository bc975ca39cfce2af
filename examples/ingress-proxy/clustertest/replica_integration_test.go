//go:build integration

package clustertest

import (
	"context"
	"crypto/tls"
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

// replica is one ingress-proxy process in cluster mode.
type replica struct {
	name string
	proc *kubetest.Process
	// http, https and admin are the replica's listen addresses.
	http, https, admin string
	// credential is the id under which the apiserver audits the replica's
	// token.
	credential string
	// client sends plain HTTP requests to the replica, tlsClient HTTPS
	// requests, whatever host their URL names.
	client, tlsClient *http.Client
}

// noRedirects makes a client return redirects instead of following them: a
// redirect names a host the test does not resolve, and must not.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// startReplica runs the program in cluster mode as POD_NAME name, with the
// shipped Deployment's arguments and a token of the shipped ServiceAccount of
// its own, and waits until its /readyz answers 200.
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
	}
	r.client = &http.Client{
		Transport:     &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16},
		CheckRedirect: noRedirects,
		Timeout:       10 * time.Second,
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	r.tlsClient = &http.Client{
		Transport: &http.Transport{
			Proxy: nil,
			// Every HTTPS request goes to the replica, with the URL's host
			// as the server name; nothing is looked up in DNS.
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return dialer.DialContext(ctx, network, r.https)
			},
			TLSClientConfig: &tls.Config{RootCAs: c.ca.Pool()},
		},
		CheckRedirect: noRedirects,
		Timeout:       10 * time.Second,
	}
	// The shipped Deployment's arguments, but for where to find the
	// apiserver and where to listen, which differ outside a pod.
	args := append(withoutFlags(c.args, "kubeconfig", "listen", "tls-listen", "admin-listen"),
		"-kubeconfig", kubeconfig,
		"-listen", r.http,
		"-tls-listen", r.https,
		"-admin-listen", r.admin,
		"-access-log=false",
	)
	args = append(args, extraArgs...)
	r.proc = kubetest.StartProcess(tb, c.cp.Dir, name, programPath, args, []string{"POD_NAME=" + name})
	tb.Cleanup(r.client.CloseIdleConnections)
	tb.Cleanup(r.tlsClient.CloseIdleConnections)
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
	_, err := r.readyz()
	return err
}

// readyz returns the body of the replica's /readyz, or an error unless it
// answers 200.
func (r *replica) readyz() (string, error) {
	resp, err := r.client.Get("http://" + r.admin + "/readyz")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	text := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		return text, fmt.Errorf("%s: /readyz: %s: %s", r.name, resp.Status, text)
	}
	return text, nil
}

// leads reports whether the replica says, in its /readyz, that it is the
// leader.
func (r *replica) leads() (bool, error) {
	body, err := r.readyz()
	return strings.Contains(body, "; leader"), err
}

// answer is what a replica answered to one request.
type answer struct {
	status   int
	backend  string // the echo backend that answered, "" if none
	location string // the Location header
}

func (a answer) String() string { return fmt.Sprintf("%d from %q", a.status, a.backend) }

// get sends GET http://host/path to the replica's plain HTTP listener.
func (r *replica) get(host, path string) (answer, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+r.http+path, nil)
	if err != nil {
		return answer{}, err
	}
	req.Host = host
	return do(r.client, req)
}

// getTLS sends GET https://host/path to the replica's HTTPS listener,
// trusting only the test's CA.
func (r *replica) getTLS(host, path string) (answer, error) {
	req, err := http.NewRequest(http.MethodGet, "https://"+host+path, nil)
	if err != nil {
		return answer{}, err
	}
	return do(r.tlsClient, req)
}

func do(client *http.Client, req *http.Request) (answer, error) {
	resp, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, backend: resp.Header.Get(kubetest.EchoHeader), location: resp.Header.Get("Location")}, nil
}

// routesTo returns nil if GET http://host/path on the replica is answered
// with 200 by the echo backend want.
func (r *replica) routesTo(host, path, want string) error {
	a, err := r.get(host, path)
	return r.check("http://"+host+path, a, err, http.StatusOK, want)
}

// notRouted returns nil if GET http://host/path on the replica reaches no
// backend and is answered 404, as a request matching no Ingress is.
func (r *replica) notRouted(host, path string) error {
	a, err := r.get(host, path)
	return r.check("http://"+host+path, a, err, http.StatusNotFound, "")
}

// routesToTLS is routesTo over HTTPS: the replica must present a
// certificate for host from the test's CA.
func (r *replica) routesToTLS(host, path, want string) error {
	a, err := r.getTLS(host, path)
	return r.check("https://"+host+path, a, err, http.StatusOK, want)
}

// check returns nil if the answer a (or the error) to GET url is status from
// the echo backend want ("" for none).
func (r *replica) check(url string, a answer, err error, status int, want string) error {
	if err != nil {
		return fmt.Errorf("%s: GET %s: %w", r.name, url, err)
	}
	if a.status != status || a.backend != want {
		return fmt.Errorf("%s: GET %s = %v, want %d from %q", r.name, url, a, status, want)
	}
	return nil
}

// redirectsToHTTPS returns nil if GET http://host/path on the replica is
// redirected to the same host and path on the replica's HTTPS port, as
// ingress-nginx redirects for an Ingress with TLS.
func (r *replica) redirectsToHTTPS(host, path string) error {
	a, err := r.get(host, path)
	if err != nil {
		return fmt.Errorf("%s: GET %s%s: %w", r.name, host, path, err)
	}
	_, port, _ := net.SplitHostPort(r.https)
	if want := "https://" + net.JoinHostPort(host, port) + path; a.status/100 != 3 || a.location != want {
		return fmt.Errorf("%s: GET %s%s = %v, Location %q; want a redirect to %s", r.name, host, path, a, a.location, want)
	}
	return nil
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
