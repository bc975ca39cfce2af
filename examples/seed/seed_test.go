package main

import (
	"github.com/ingressmux/ingressmux/internal/testpki"

	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestSelftest runs the example on ephemeral loopback ports and makes every
// request of -selftest: frontend, login, the user with and without the
// cookie, the Host the backend sees, the HTTP redirect and an unknown host.
func TestSelftest(t *testing.T) {
	ex, err := start("127.0.0.1:0", "127.0.0.1:0", quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer ex.shutdown()
	var out bytes.Buffer
	if err := ex.selftest(&out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if n := strings.Count(out.String(), "ok "); n != 8 {
		t.Errorf("%d checks passed, want 8:\n%s", n, out.String())
	}
}

// TestRunSelftestFlag drives the command line as a user does.
func TestRunSelftestFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-selftest", "-listen", "127.0.0.1:0", "-tls-listen", "127.0.0.1:0"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"self-test passed", "curl --resolve projectdomain.com:", "projectdomain.com  /api  Prefix"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
}

// TestStandInRefusesOtherNames shows why upstream-vhost matters: the
// stand-in answers 421 unless both the TLS name and Host are its own.
func TestStandInRefusesOtherNames(t *testing.T) {
	ca := testpki.NewCA(t, "test CA")
	cert := ca.Issue(t, backendHost, "other.example")
	srv, ln, err := standIn(cert)
	if err != nil {
		t.Fatal(err)
	}
	go srv.ServeTLS(ln, "", "")
	defer srv.Close()
	for _, tt := range []struct {
		sni, host string
		want      int
	}{
		{backendHost, backendHost, 200},
		{backendHost, "projectdomain.com", 421},
		{"other.example", backendHost, 421},
	} {
		c := clientFor(ca, tt.sni, ln.Addr().String())
		req, _ := newRequest("https://" + tt.sni + "/api/echo")
		req.Host = tt.host
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("SNI %q Host %q: status %d, want %d", tt.sni, tt.host, resp.StatusCode, tt.want)
		}
	}
}

// clientFor dials addr for any URL, verifying the server as sni with ca.
func clientFor(ca *testpki.CA, sni, addr string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), ServerName: sni},
	}}
}

func newRequest(url string) (*http.Request, error) { return http.NewRequest(http.MethodGet, url, nil) }
