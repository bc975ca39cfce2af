package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClusterFlags(t *testing.T) {
	for _, tt := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"files and cluster", []string{"-kubeconfig", "in-cluster", "-f", "../seed"}, "-kubeconfig serves a cluster: it takes no -f, -check or -explain"},
		{"check and cluster", []string{"-kubeconfig", "in-cluster", "-check"}, "it takes no -f, -check or -explain"},
		{"namespace without cluster", []string{"-f", "../seed", "-watch-namespace", "a"}, "need -kubeconfig"},
		{"status without cluster", []string{"-f", "../seed", "-publish-service", "a/b"}, "need -kubeconfig"},
		{"both status sources", []string{"-kubeconfig", "in-cluster", "-publish-service", "a/b", "-publish-status-address", "192.0.2.1"}, "-publish-status-address and -publish-service exclude each other"},
		{"bad publish service", []string{"-kubeconfig", "in-cluster", "-publish-service", "proxy"}, "-publish-service proxy: want NS/NAME"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append(tt.args, "-listen", "127.0.0.1:0"), &stdout, &stderr)
			assert.Equal(t, 2, code, "stderr: %s", stderr.String())
			assert.Contains(t, stderr.String(), tt.stderr)
		})
	}
}

// TestClusterNotReadyUntilSynced runs cluster mode against an apiserver
// address where nothing listens: the process serves /healthz, says not
// ready on /readyz with the reason, and shuts down cleanly.
func TestClusterNotReadyUntilSynced(t *testing.T) {
	kubeconfig := writeKubeconfig(t, unusedLoopbackAddr(t))
	addrs, stderr, stop := startServe(t, []string{"-kubeconfig", kubeconfig, "-listen", "127.0.0.1:0", "-admin-listen", "127.0.0.1:0"}, nil)
	code, text := body(t, addrs["admin"]+"/healthz")
	assert.Equal(t, 200, code)
	assert.Equal(t, "ok\n", text)
	eventually(t, "the failed list to be reported", func() bool {
		_, text := body(t, addrs["admin"]+"/readyz")
		return strings.Contains(text, "apiserver unreachable")
	})
	code, text = body(t, addrs["admin"]+"/readyz")
	assert.Equal(t, 503, code)
	assert.True(t, strings.HasPrefix(text, "not ready: syncing; apiserver unreachable since "), text)
	code, _ = body(t, addrs["http"]+"/")
	assert.Equal(t, 404, code, "nothing routed before the first sync")
	assert.Equal(t, 0, stop(), "a shutdown before the first sync is still a clean shutdown; stderr: %s", stderr.String())
	assert.Contains(t, stderr.String(), `msg="cluster mode"`)
}

// unusedLoopbackAddr returns a loopback address where nothing listens.
func unusedLoopbackAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func writeKubeconfig(t *testing.T, server string) string {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "https://%s", insecure-skip-tls-verify: true}}]
users: [{name: test, user: {token: test-token}}]
contexts: [{name: test, context: {cluster: test, user: test}}]
current-context: test
`, server)
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	return path
}
