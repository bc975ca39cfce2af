package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer is a concurrency-safe writer that also reports lines.
type lockedBuffer struct {
	mu    sync.Mutex
	buf   strings.Builder
	lines chan string
}

func newLockedBuffer() *lockedBuffer { return &lockedBuffer{lines: make(chan string, 100)} }

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	sc := bufio.NewScanner(strings.NewReader(string(p)))
	for sc.Scan() {
		select {
		case b.lines <- sc.Text():
		default:
		}
	}
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var listening = regexp.MustCompile(`^(\w+) listening on (https?://\S+)$`)

// startServe runs the serving mode with args and returns the addresses it
// printed, by listener name, and a function that stops it and returns its
// exit code.
func startServe(t *testing.T, args []string, reload chan struct{}) (map[string]string, *lockedBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := newLockedBuffer(), newLockedBuffer()
	done := make(chan int, 1)
	go func() { done <- runContext(ctx, args, reload, stdout, stderr) }()
	addrs := map[string]string{}
	deadline := time.After(10 * time.Second)
	for want := strings.Count(strings.Join(args, " "), "listen "); len(addrs) < want; {
		select {
		case line := <-stdout.lines:
			if m := listening.FindStringSubmatch(line); m != nil {
				addrs[m[1]] = m[2]
			}
		case code := <-done:
			t.Fatalf("exited early with %d: %s", code, stderr.String())
		case <-deadline:
			t.Fatalf("no listeners reported; stderr: %s", stderr.String())
		}
	}
	return addrs, stderr, func() int { cancel(); return <-done }
}

func writeIngress(t *testing.T, file, service string) {
	t.Helper()
	yaml := fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  defaultBackend: {service: {name: %s, port: {number: 80}}}
`, service)
	require.NoError(t, os.WriteFile(file, []byte(yaml), 0o644))
}

func body(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// eventually polls check until it holds, for at most 10 seconds: reloads
// are asynchronous, and this waits for one without assuming how long it
// takes.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServeReloadsAndDrains(t *testing.T) {
	blue := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "blue") }))
	defer blue.Close()
	green := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "green") }))
	defer green.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "web.yaml")
	writeIngress(t, file, "blue")

	reload := make(chan struct{}, 1)
	addrs, stderr, stop := startServe(t, []string{
		"-f", dir, "-listen", "127.0.0.1:0", "-admin-listen", "127.0.0.1:0", "-watch-interval", "20ms",
		"-backend", "default/blue:80=" + blue.URL, "-backend", "default/green:80=" + green.URL,
	}, reload)

	code, got := body(t, addrs["http"]+"/anything")
	assert.Equal(t, 200, code)
	assert.Equal(t, "blue", got)
	code, got = body(t, addrs["admin"]+"/readyz")
	assert.Equal(t, 200, code, got)
	code, _ = body(t, addrs["admin"]+"/healthz")
	assert.Equal(t, 200, code)

	// A file change reloads.
	writeIngress(t, file, "green")
	eventually(t, "the file change to be served", func() bool { _, b := body(t, addrs["http"]+"/"); return b == "green" })

	// A bad edit keeps the old table and says why.
	require.NoError(t, os.WriteFile(file, []byte("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec: {}\n"), 0o644))
	eventually(t, "the failed reload to be logged", func() bool {
		return strings.Contains(stderr.String(), "reload failed; the previous routing table keeps serving")
	})
	_, got = body(t, addrs["http"]+"/")
	assert.Equal(t, "green", got)
	assert.Contains(t, stderr.String(), "either `defaultBackend` or `rules` must be specified")

	// SIGHUP (here: the reload channel) reloads too.
	writeIngress(t, file, "blue")
	reload <- struct{}{}
	eventually(t, "the signalled reload to be served", func() bool { _, b := body(t, addrs["http"]+"/"); return b == "blue" })

	assert.Contains(t, stderr.String(), `msg=request method=GET host=127.0.0.1`, "one access log line per request")
	assert.Equal(t, 0, stop(), "graceful shutdown exits 0")
}

func TestServeRefusesBadStart(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("apiVersion: v1\nkind: Service\nmetadata: {name: Bad}\nspec: {ports: [{port: 80}]}\n"), 0o644))
	stdout, stderr := newLockedBuffer(), newLockedBuffer()
	code := runContext(context.Background(), []string{"-f", dir, "-listen", "127.0.0.1:0"}, nil, stdout, stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "metadata.name: Invalid value: \\\"Bad\\\"")
}

func TestBackendFlag(t *testing.T) {
	b := backendList{}
	require.NoError(t, b.Set("default/web:http=http://127.0.0.1:1"))
	assert.Equal(t, "http://127.0.0.1:1", b["default/web:http"])
	for _, bad := range []string{"default/web:80", "web:80=http://x", "default/web=http://x", "=http://x"} {
		assert.Error(t, b.Set(bad), bad)
	}
	var p prefixList
	require.NoError(t, p.Set("10.0.0.0/8"))
	require.NoError(t, p.Set("192.168.1.7"))
	assert.Error(t, p.Set("nonsense"))
	assert.Equal(t, "[10.0.0.0/8 192.168.1.7/32]", p.String())
}
