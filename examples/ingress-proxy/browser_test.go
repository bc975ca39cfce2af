//go:build browser

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBrowserRoutesPage opens the admin listener's routes page in
// headless Chromium, as an operator would, after a load with a warning
// and a reload that failed: the rendered DOM must show the routing
// table, the upstream's endpoint and its health, the warning, and the
// failed reload with its error.
//
// It needs Debian's chromium; .ci/run installs it and runs this test with
// -tags browser.
func TestBrowserRoutesPage(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (apt-get install chromium): %v", err)
	}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "api") }))
	defer api.Close()
	dir := t.TempDir()
	// The second path's Service has no override: it resolves to its
	// cluster DNS name, with a warning.
	manifest := shopIngress + "      - {path: /static, pathType: Exact, backend: {service: {name: assets, port: {number: 8080}}}}\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shop.yaml"), []byte(manifest), 0o644))
	reload := make(chan struct{}, 1)
	addrs, stderr, stop := startServe(t, []string{"-f", dir, "-listen", "127.0.0.1:0", "-admin-listen", "127.0.0.1:0",
		"-watch-interval", "0", "-access-log=false", "-backend", "default/api:80=" + api.URL}, reload)
	defer stop()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: broken}\nspec: {}\n"), 0o644))
	reload <- struct{}{}
	eventually(t, "the failed reload", func() bool { return strings.Contains(stderr.String(), "reload failed") })

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--dump-dom", addrs["admin"]+"/")
	var stdout, chromeErr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &chromeErr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\nstderr:\n%s", err, chromeErr.String())
	}
	dom := stdout.String()
	apiAddr := strings.TrimPrefix(api.URL, "http://")
	for _, want := range []string{
		`<title>ingressmux: routes</title>`,
		`<td class="mono">shop.example.com</td><td class="mono">/api</td><td>Prefix</td><td class="mono">default/api:80</td><td>ingress default/shop</td>`,
		`<td class="mono">shop.example.com</td><td class="mono">/static</td><td>Exact</td><td class="mono">default/assets:8080</td><td>ingress default/shop</td>`,
		`<td class="mono">default/api:80</td><td>HTTP</td><td class="mono">` + apiAddr + `</td><td class="up">up</td>`,
		`<td class="mono">default/assets:8080</td><td>HTTP</td><td class="mono">assets.default.svc.cluster.local:8080</td><td class="up">up</td>`,
		`Warnings of the last load (1)`,
		`assets`,
		`<span id="reload-result" class="failed">failed</span>`,
		"either `defaultBackend` or `rules` must be specified",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %s\nDOM:\n%s\nchromium stderr:\n%s", want, dom, chromeErr.String())
		}
	}
}
