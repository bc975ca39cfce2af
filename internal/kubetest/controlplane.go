package kubetest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// How long etcd and kube-apiserver get to become ready. kube-apiserver is
// ready in well under 20 s on an idle machine; the machines CI runs on are
// shared.
const readyTimeout = 2 * time.Minute

// ControlPlane is an etcd and a kube-apiserver started by Start.
type ControlPlane struct {
	// URL is the apiserver's https URL on 127.0.0.1.
	URL string
	// CAFile is the PEM file of the certificate authority that signed the
	// apiserver's serving certificate.
	CAFile string
	// Dir is the temporary directory holding the control plane's files and
	// logs; it is removed when the test ends.
	Dir string
	// AdminConfig is a client configuration with the administrator token
	// (group system:masters), for the test's own setup.
	AdminConfig *rest.Config
	// Admin is a clientset built from AdminConfig.
	Admin kubernetes.Interface

	tb             testing.TB
	bin            Binaries
	adminToken     string
	etcd           *Process
	apiserver      *Process
	apiserverArgs  []string
	apiserverStart int    // how many times kube-apiserver was started, for log names
	auditLog       string // where kube-apiserver writes its audit events
	outages        []Outage
}

// Outage is a time when kube-apiserver was stopped or not yet ready: from
// StopAPIServer to the end of the next StartAPIServer. While kube-apiserver
// starts, it answers requests before its authorizer has read the RBAC
// objects, and refuses requests that RBAC allows.
type Outage struct {
	// From is when the apiserver was told to stop, Until when it was ready
	// again (zero while it is not).
	From, Until time.Time
}

// Start runs etcd and kube-apiserver on loopback for the test and waits until
// the apiserver is ready. Everything is stopped and removed when the test
// ends.
func Start(tb testing.TB) *ControlPlane {
	tb.Helper()
	bin := MustFindBinaries(tb)
	removeStaleDirs(tb)
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", dirPrefix, os.Getpid()))
	if err != nil {
		tb.Fatalf("kubetest: %v", err)
	}
	// Registered first, so it runs last: after the processes using the
	// directory have been stopped by their own cleanups.
	tb.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			tb.Errorf("kubetest: removing %s: %v", dir, err)
		}
	})
	cp := &ControlPlane{tb: tb, bin: bin, Dir: dir}
	cp.startEtcd(tb)
	cp.configureAPIServer(tb)
	cp.StartAPIServer(tb)
	return cp
}

// Control plane directories are named after this prefix and the id of the
// test process, so that those of a test process that was killed (and could
// not clean up) can be told from those of one still running.
const dirPrefix = "ingressmux-kubetest-"

// removeStaleDirs removes the control plane directories of test processes
// that no longer run.
func removeStaleDirs(tb testing.TB) {
	tb.Helper()
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		pid, _, named := strings.Cut(strings.TrimPrefix(filepath.Base(dir), dirPrefix), "-")
		if named && stalePid(pid) {
			if err := os.RemoveAll(dir); err != nil {
				tb.Logf("kubetest: removing stale %s: %v", dir, err)
			}
		}
	}
}

func (cp *ControlPlane) startEtcd(tb testing.TB) {
	tb.Helper()
	clientURL := "http://" + FreeAddr(tb)
	peerURL := "http://" + FreeAddr(tb)
	cp.etcd = StartProcess(tb, cp.Dir, "etcd", cp.bin.Etcd, []string{
		"--name", "kubetest",
		"--data-dir", filepath.Join(cp.Dir, "etcd"),
		"--listen-client-urls", clientURL,
		"--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL,
		"--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "kubetest=" + peerURL,
		"--log-level", "warn",
	}, nil)
	cp.apiserverArgs = append(cp.apiserverArgs, "--etcd-servers="+clientURL)
	err := pollUntil(readyTimeout, cp.etcd, func() error {
		resp, err := http.Get(clientURL + "/health")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /health: %s", resp.Status)
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("kubetest: etcd did not become healthy: %v\n%s", err, cp.etcd.Tail(20))
	}
}

// configureAPIServer writes the apiserver's keys and token file and fixes its
// arguments, so that every start of kube-apiserver serves the same address
// with the same identities.
func (cp *ControlPlane) configureAPIServer(tb testing.TB) {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatalf("kubetest: service account key: %v", err)
	}
	keyFile := filepath.Join(cp.Dir, "sa.key")
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		tb.Fatalf("kubetest: %v", err)
	}
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		tb.Fatalf("kubetest: admin token: %v", err)
	}
	cp.adminToken = hex.EncodeToString(token)
	tokenFile := filepath.Join(cp.Dir, "tokens.csv")
	if err := os.WriteFile(tokenFile, []byte(cp.adminToken+",admin,admin-uid,system:masters\n"), 0o600); err != nil {
		tb.Fatalf("kubetest: %v", err)
	}
	policyFile := filepath.Join(cp.Dir, "audit-policy.yaml")
	if err := os.WriteFile(policyFile, []byte(auditPolicy), 0o600); err != nil {
		tb.Fatalf("kubetest: %v", err)
	}
	cp.auditLog = filepath.Join(cp.Dir, "audit.log")
	certDir := filepath.Join(cp.Dir, "certs")
	port := FreePort(tb)
	cp.URL = "https://127.0.0.1:" + strconv.Itoa(port)
	cp.CAFile = filepath.Join(certDir, "apiserver.crt")
	cp.apiserverArgs = append(cp.apiserverArgs,
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(port),
		"--cert-dir="+certDir,
		"--token-auth-file="+tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+keyFile,
		"--service-account-signing-key-file="+keyFile,
		"--service-cluster-ip-range=10.0.0.0/24",
		// No controller manager runs to create the token controller's
		// objects that this admission plugin waits for.
		"--disable-admission-plugins=ServiceAccount",
		"--audit-policy-file="+policyFile,
		"--audit-log-path="+cp.auditLog,
		"--audit-log-format=json",
		// Every event is on disk when the request has been answered.
		"--audit-log-mode=blocking",
	)
}

// StartAPIServer starts kube-apiserver (again, after StopAPIServer) on the
// control plane's address and waits until it is ready.
func (cp *ControlPlane) StartAPIServer(tb testing.TB) {
	tb.Helper()
	if cp.apiserver != nil {
		if ok, _ := cp.apiserver.Exited(); !ok {
			tb.Fatalf("kubetest: kube-apiserver is already running")
		}
	}
	cp.apiserverStart++
	name := "kube-apiserver"
	if cp.apiserverStart > 1 {
		name = fmt.Sprintf("kube-apiserver-%d", cp.apiserverStart)
	}
	// The apiserver belongs to the test that started the control plane,
	// not to the one restarting it.
	cp.apiserver = startOwnedProcess(tb, cp.tb, cp.Dir, name, cp.bin.KubeAPIServer, cp.apiserverArgs, nil)
	// The serving certificate is written at start-up; it exists before the
	// apiserver answers.
	err := pollUntil(readyTimeout, cp.apiserver, func() error {
		if cp.AdminConfig == nil {
			if _, err := os.Stat(cp.CAFile); err != nil {
				return err
			}
			if err := cp.connectAdmin(); err != nil {
				return err
			}
		}
		return cp.ready()
	})
	if err != nil {
		tb.Fatalf("kubetest: kube-apiserver did not become ready: %v\n%s", err, cp.apiserver.Tail(30))
	}
	if n := len(cp.outages); n > 0 && cp.outages[n-1].Until.IsZero() {
		cp.outages[n-1].Until = time.Now()
	}
}

func (cp *ControlPlane) connectAdmin() error {
	cfg := &rest.Config{
		Host:            cp.URL,
		BearerToken:     cp.adminToken,
		TLSClientConfig: rest.TLSClientConfig{CAFile: cp.CAFile},
		// The test's setup writes thousands of objects in some tests; the
		// client's default of 5 requests per second would make that the
		// bottleneck.
		QPS:   1000,
		Burst: 2000,
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	cp.AdminConfig, cp.Admin = cfg, client
	return nil
}

func (cp *ControlPlane) ready() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	body, err := cp.Admin.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("GET /readyz: %w: %s", err, body)
	}
	return nil
}

// StopAPIServer stops kube-apiserver gracefully, leaving etcd running; the
// apiserver's address refuses connections until StartAPIServer.
func (cp *ControlPlane) StopAPIServer(tb testing.TB) {
	tb.Helper()
	cp.outages = append(cp.outages, Outage{From: time.Now()})
	// With clients watching, kube-apiserver sometimes does not finish its
	// graceful shutdown at all; it is then killed, as a crash would end it.
	// Its exit status says nothing useful either way.
	start := time.Now()
	_ = cp.apiserver.Stop(apiserverStopGrace)
	if took := time.Since(start); took >= apiserverStopGrace {
		tb.Logf("kubetest: kube-apiserver did not stop within %v of SIGTERM; killed it", apiserverStopGrace)
	}
}

// apiserverStopGrace is how long StopAPIServer waits for kube-apiserver to
// end after SIGTERM.
const apiserverStopGrace = 10 * time.Second

// Outages returns the times kube-apiserver was stopped by StopAPIServer
// until it was ready again, oldest first.
func (cp *ControlPlane) Outages() []Outage { return append([]Outage(nil), cp.outages...) }

// During reports whether t falls in the outage; one still going on has no
// end.
func (o Outage) During(t time.Time) bool {
	return !t.Before(o.From) && (o.Until.IsZero() || !t.After(o.Until))
}

// APIServer is the running (or last) kube-apiserver process.
func (cp *ControlPlane) APIServer() *Process { return cp.apiserver }

// pollUntil calls check every 100ms until it returns nil, the process p ends,
// or timeout passes, and returns the last error.
func pollUntil(timeout time.Duration, p *Process, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if exited, exitErr := p.Exited(); exited {
			return fmt.Errorf("%s exited (%v) while waiting: %w", p.Name, exitErr, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v: %w", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
