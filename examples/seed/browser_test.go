//go:build browser

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestBrowserOneOrigin opens the example in headless Chromium, as a user
// would: the page logs in through /api/login and reads /api/me, and the
// rendered DOM must show the user. That only works if the session cookie
// set by the external backend is first-party for projectdomain.com and the
// browser needed no CORS: both calls are same-origin through the proxy.
//
// It needs Debian's chromium; .ci/run installs it and runs this test with
// -tags browser.
func TestBrowserOneOrigin(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (apt-get install chromium): %v", err)
	}
	ex, err := start("127.0.0.1:0", "127.0.0.1:0", quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer ex.shutdown()

	// Trust the example's certificate for projectdomain.com by its public
	// key, the way Chromium lets a test trust a certificate without a
	// system store.
	cert, err := ex.mux.TLSConfig().GetCertificate(helloFor("projectdomain.com"))
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	spki := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)

	url := "https://projectdomain.com:" + port(ex.httpsAddr) + "/"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-quic", "--user-data-dir="+t.TempDir(),
		"--host-resolver-rules=MAP projectdomain.com 127.0.0.1",
		"--ignore-certificate-errors-spki-list="+base64.StdEncoding.EncodeToString(spki[:]),
		"--virtual-time-budget=15000",
		"--dump-dom", url)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\nstderr:\n%s", err, stderr.String())
	}
	dom := stdout.String()
	for _, want := range []string{
		`<span id="status">logged in</span>`,
		`<span id="user">Ada Lovelace &lt;ada@projectdomain.com&gt;</span>`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %s\nDOM:\n%s\nchromium stderr:\n%s", want, dom, stderr.String())
		}
	}
}

func helloFor(name string) *tls.ClientHelloInfo { return &tls.ClientHelloInfo{ServerName: name} }
