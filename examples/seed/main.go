// Command seed runs the story that started ingressmux, end to end, on
// loopback: a frontend on projectdomain.com and a backend on an external
// HTTPS server share one origin through two Ingresses.
//
//	go run ./examples/seed             # serve until Ctrl-C
//	go run ./examples/seed -selftest   # make the requests, check the answers, exit
//
// The manifests in this directory are loaded unchanged through the public
// API. The program starts the frontend Service (an HTML page that logs in
// with fetch('/api/login') and reads fetch('/api/me')), and a stand-in for
// the external backend that answers only for project-domain.com, by TLS
// server name and Host header, with a certificate from its own CA. The
// only configuration outside the YAML is what a cluster would have provided:
// where the two Services are (backend overrides), the TLS secret
// projectdomain-com-tls (generated in memory), and trust in the stand-in's
// CA. Certificate verification stays on.
package main

import (
	"github.com/ingressmux/ingressmux/internal/testpki"

	"context"
	"crypto/tls"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
)

// The manifests, embedded so the example runs from any directory.
//
//go:embed *.yaml
var manifests embed.FS

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	httpsAddr := fs.String("tls-listen", "127.0.0.1:8443", "HTTPS address of the proxy")
	httpAddr := fs.String("listen", "127.0.0.1:8080", "plain HTTP address of the proxy (redirects to HTTPS)")
	selftest := fs.Bool("selftest", false, "make the example's requests, check every answer, and exit 0 only if all are right")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ex, err := start(*httpsAddr, *httpAddr, logger)
	if err != nil {
		fmt.Fprintln(stderr, "seed:", err)
		return 1
	}
	defer ex.shutdown()
	ex.printHelp(stdout)
	if *selftest {
		if err := ex.selftest(stdout); err != nil {
			fmt.Fprintln(stderr, "seed: self-test FAILED:", err)
			return 1
		}
		fmt.Fprintln(stdout, "self-test passed")
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	fmt.Fprintln(stdout, "\nshutting down")
	return 0
}

// example is the running story: two backends and the proxy in front.
type example struct {
	mux                 *ingressmux.Mux
	servers             []*http.Server
	httpsAddr, httpAddr string // the proxy's, as bound
	caFile              string // the PEM of the CA that signed projectdomain.com's certificate
	tmpDir              string
	siteCA              *testpki.CA // the CA the browser and curl must trust
}

// start brings everything up on loopback. Addresses may use port 0.
func start(httpsAddr, httpAddr string, logger *slog.Logger) (*example, error) {
	ex := &example{}
	ok := false
	defer func() {
		if !ok {
			ex.shutdown()
		}
	}()

	// The external VPS: its own CA and a certificate for its own name.
	backendCA, err := testpki.New("stand-in backend CA")
	if err != nil {
		return nil, err
	}
	backendCert, err := backendCA.Leaf(backendHost)
	if err != nil {
		return nil, err
	}
	vps, vpsLn, err := standIn(backendCert)
	if err != nil {
		return nil, err
	}
	ex.serve(vps, vpsLn, true)

	web, webLn, err := frontend()
	if err != nil {
		return nil, err
	}
	ex.serve(web, webLn, false)

	// The TLS secret projectdomain-com-tls, made at start by a CA of the
	// example's own whose certificate is written out for curl.
	siteCA, err := testpki.New("seed example CA")
	if err != nil {
		return nil, err
	}
	ex.siteCA = siteCA
	siteCert, err := siteCA.Leaf("projectdomain.com")
	if err != nil {
		return nil, err
	}
	if ex.tmpDir, err = os.MkdirTemp("", "ingressmux-seed-"); err != nil {
		return nil, err
	}
	ex.caFile = filepath.Join(ex.tmpDir, "seed-ca.pem")
	if err := os.WriteFile(ex.caFile, siteCA.CertPEM(), 0o644); err != nil {
		return nil, err
	}

	// Bind HTTPS first: redirects from plain HTTP must name its port.
	tlsLn, err := net.Listen("tcp", httpsAddr)
	if err != nil {
		return nil, err
	}
	ex.httpsAddr = tlsLn.Addr().String()
	httpsPort := tlsLn.Addr().(*net.TCPAddr).Port
	ex.mux, err = ingressmux.Load(context.Background(), ingressmux.Config{
		FS:    manifests,
		Paths: []string{"."},
		// Where the two Services are: a cluster would have told us.
		Options: ingress.Options{Backends: map[string]string{
			"default/project-backend-external:443": "https://" + vpsLn.Addr().String(),
			"default/project-frontend-service:80":  "http://" + webLn.Addr().String(),
		}},
		Secrets:    map[string]*tls.Certificate{"default/projectdomain-com-tls": siteCert},
		BackendCAs: backendCA.Pool(),
		HTTPSPort:  httpsPort,
		Logger:     logger,
	})
	if err != nil {
		_ = tlsLn.Close()
		return nil, err
	}
	for _, w := range ex.mux.Warnings() {
		logger.Warn("ingressmux: " + w.String())
	}
	ex.serve(ex.proxyServer(), tlsLn, true)

	plainLn, err := net.Listen("tcp", httpAddr)
	if err != nil {
		return nil, err
	}
	ex.httpAddr = plainLn.Addr().String()
	ex.serve(ex.proxyServer(), plainLn, false)
	ok = true
	return ex, nil
}

// proxyServer is the http.Server in front of the Mux, with timeouts set
// against slow clients.
func (ex *example) proxyServer() *http.Server {
	return &http.Server{
		Handler:           ex.mux,
		TLSConfig:         ex.mux.TLSConfig(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
}

func (ex *example) serve(srv *http.Server, ln net.Listener, useTLS bool) {
	ex.servers = append(ex.servers, srv)
	go func() {
		var err error
		if useTLS {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "seed: server:", err)
		}
	}()
}

// shutdown drains in-flight requests, then stops every server.
func (ex *example) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range ex.servers {
		_ = srv.Shutdown(ctx)
	}
	if ex.tmpDir != "" {
		_ = os.RemoveAll(ex.tmpDir)
	}
}

func (ex *example) printHelp(w io.Writer) {
	_, httpsPort, _ := net.SplitHostPort(ex.httpsAddr)
	_, httpPort, _ := net.SplitHostPort(ex.httpAddr)
	fmt.Fprintf(w, `ingressmux seed example: projectdomain.com on https://%s (HTTP on %s redirects)

Routing table:
%s
Try it (curl resolves projectdomain.com to this machine and trusts the example's CA):
  curl --resolve projectdomain.com:%s:127.0.0.1 --cacert %s https://projectdomain.com:%s/
  curl --resolve projectdomain.com:%s:127.0.0.1 --cacert %s -c /tmp/seed-cookies -X POST https://projectdomain.com:%s/api/login
  curl --resolve projectdomain.com:%s:127.0.0.1 --cacert %s -b /tmp/seed-cookies https://projectdomain.com:%s/api/me
  curl --resolve projectdomain.com:%s:127.0.0.1 -i http://projectdomain.com:%s/anything
`, ex.httpsAddr, ex.httpAddr, indent(ex.mux.Compiled().Table.String()),
		httpsPort, ex.caFile, httpsPort,
		httpsPort, ex.caFile, httpsPort,
		httpsPort, ex.caFile, httpsPort,
		httpPort, httpPort)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}
