//go:build integration

package kubetest

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// TestControlPlane starts a control plane, uses it as the integration tests
// do, and checks that nothing of it is left once its test has ended.
func TestControlPlane(t *testing.T) {
	var dir string
	var pids []int
	t.Run("use", func(t *testing.T) {
		cp := Start(t)
		dir = cp.Dir
		pids = append(pids, cp.etcd.Pid(), cp.apiserver.Pid())
		ctx := context.Background()

		cp.ApplyFiles(t, "testdata/reader-rbac.yaml")
		path := cp.ServiceAccountKubeconfig(t, "kubetest-system", "ingress-reader")
		cfg, err := clientcmd.BuildConfigFromFlags("", path)
		if err != nil {
			t.Fatalf("loading the written kubeconfig: %v", err)
		}
		reader := kubernetes.NewForConfigOrDie(cfg)
		if _, err := reader.NetworkingV1().Ingresses("").List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("ServiceAccount bound to a role that may list Ingresses: List(ingresses) = %v, want success", err)
		}
		_, err = reader.CoreV1().Secrets("default").List(ctx, metav1.ListOptions{})
		if !apierrors.IsForbidden(err) {
			t.Errorf("ServiceAccount without rights on Secrets: List(secrets) = %v, want Forbidden", err)
		}
		_, err = reader.NetworkingV1().Ingresses("default").Create(ctx, &networkingv1.Ingress{
			ObjectMeta: metav1.ObjectMeta{Name: "not-allowed"},
			Spec:       networkingv1.IngressSpec{DefaultBackend: &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}},
		}, metav1.CreateOptions{})
		if !apierrors.IsForbidden(err) {
			t.Errorf("ServiceAccount that may only read Ingresses: Create(ingress) = %v, want Forbidden", err)
		}
		// The audit log tells writers apart by their token.
		credential, err := TokenCredentialID(cfg.BearerToken)
		if err != nil {
			t.Fatal(err)
		}
		var refused int
		for _, e := range cp.AuditEvents(t) {
			// A create names no object: the name is in the refused body.
			if e.ObjectRef.Resource == "ingresses" && e.Verb == "create" && e.User.Username == "system:serviceaccount:kubetest-system:ingress-reader" {
				refused++
				if e.ResponseStatus.Code != http.StatusForbidden || e.CredentialID() != credential {
					t.Errorf("audit event of the refused create: code %d, credential %q; want 403, %q",
						e.ResponseStatus.Code, e.CredentialID(), credential)
				}
			}
		}
		if refused != 1 {
			t.Errorf("audit log has %d events for the refused create, want 1", refused)
		}
		var lists int
		for _, e := range cp.AuditEvents(t) {
			if e.ObjectRef.Resource == "ingresses" && e.Verb == "list" && e.CredentialID() == credential && e.ResponseStatus.Code == http.StatusOK {
				lists++
			}
		}
		if lists == 0 {
			t.Errorf("audit log has no event for the ServiceAccount's allowed list of Ingresses: its reads should be audited too")
		}

		// The reason the tests need a network namespace at all.
		_, err = cp.Admin.DiscoveryV1().EndpointSlices("default").Create(ctx, endpointSlice("loopback", "127.0.0.1"), metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) {
			t.Errorf("EndpointSlice with 127.0.0.1: Create = %v, want Invalid", err)
		}
		if _, err := cp.Admin.DiscoveryV1().EndpointSlices("default").Create(ctx, endpointSlice("benchmarking", "198.18.0.2"), metav1.CreateOptions{}); err != nil {
			t.Errorf("EndpointSlice with 198.18.0.2: Create = %v, want success", err)
		}

		cp.StopAPIServer(t)
		if _, err := cp.Admin.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{}); err == nil {
			t.Errorf("Get(namespace) with kube-apiserver stopped succeeded")
		}
		cp.StartAPIServer(t)
		pids = append(pids, cp.apiserver.Pid())
		if _, err := reader.NetworkingV1().Ingresses("").List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("after the apiserver's restart, with the same token: List(ingresses) = %v", err)
		}
		if _, err := cp.Admin.DiscoveryV1().EndpointSlices("default").Get(ctx, "benchmarking", metav1.GetOptions{}); err != nil {
			t.Errorf("after the apiserver's restart: Get(endpointslice created before) = %v, want it kept in etcd", err)
		}
	})
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("control plane directory %s after its test ended: Stat = %v, want it removed", dir, err)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d of the control plane still exists after its test ended (kill -0: %v)", pid, err)
		}
	}
}

func endpointSlice(name, address string) *discoveryv1.EndpointSlice {
	port, proto := int32(8080), corev1.ProtocolTCP
	return &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{address}}},
		Ports:       []discoveryv1.EndpointPort{{Port: &port, Protocol: &proto}},
	}
}

// TestNetns serves an echo backend inside a namespace, reaches it from the
// host, and checks that the namespace is gone once its test has ended and
// that one left behind by a dead process is cleaned up.
func TestNetns(t *testing.T) {
	stale := staleNetnsName(t)
	if err := ipCommand("netns", "add", stale); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ipCommand("netns", "delete", stale) })

	var names []string
	var links []string
	t.Run("use", func(t *testing.T) {
		a, b := NewNetns(t), NewNetns(t)
		names = append(names, a.Name, b.Name)
		links = append(links, a.hostLink, b.hostLink)
		if netnsExists(stale) {
			t.Errorf("namespace %s of a process that no longer runs still exists after NewNetns", stale)
		}
		if a.Addr == b.Addr || !netnsRange.Contains(a.Addr) || !netnsRange.Contains(b.HostAddr) {
			t.Errorf("addresses %v/%v and %v/%v: want distinct ones in %v", a.HostAddr, a.Addr, b.HostAddr, b.Addr, netnsRange)
		}
		echoA := ServeEcho(t, a.MustListen(t), "echo-a")
		echoB := ServeEcho(t, b.MustListen(t), "echo-b")
		client := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second}
		for _, e := range []*Echo{echoA, echoB} {
			resp, err := client.Get("http://" + e.Addr.String() + "/probe")
			if err != nil {
				t.Fatalf("GET %s from the host: %v", e.Addr, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if got, want := string(body), e.Name+" "+e.Addr.String()+" /probe\n"; got != want {
				t.Errorf("GET %s: body %q, want %q", e.Addr, got, want)
			}
			if e.Requests() != 1 {
				t.Errorf("%s answered %d requests, want 1", e.Name, e.Requests())
			}
		}
		// The listener is inside the namespace, not on the host: the host has
		// no such address of its own.
		if l, err := net.Listen("tcp", netip.AddrPortFrom(a.Addr, 0).String()); err == nil {
			l.Close()
			t.Errorf("listening on %v on the host succeeded: the address belongs to the namespace only", a.Addr)
		}
	})
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if strings.Contains(string(out), name) {
			t.Errorf("namespace %s still exists after its test ended", name)
		}
	}
	for _, link := range links {
		if _, err := exec.Command("ip", "link", "show", link).Output(); err == nil {
			t.Errorf("link %s still exists after its test ended", link)
		}
	}
}

// staleNetnsName returns a namespace name of this package for a process id
// that no process has any more.
func staleNetnsName(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return netnsPrefix + strconv.Itoa(cmd.Process.Pid) + "-1"
}
