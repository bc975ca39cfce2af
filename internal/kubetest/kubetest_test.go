package kubetest

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDecodeObjects(t *testing.T) {
	for _, tt := range []struct {
		name    string
		yaml    string
		want    []string // kind/name of each object
		wantErr string
	}{
		{
			name: "documents, empty ones and comments skipped",
			yaml: "# leading comment\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n---\n# only a comment\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: b\n  namespace: a\n",
			want: []string{"Namespace/a", "ServiceAccount/b"},
		},
		{
			name:    "not YAML",
			yaml:    "apiVersion: v1\nkind: [\n",
			wantErr: "document 0",
		},
		{
			name:    "no kind",
			yaml:    "apiVersion: v1\nmetadata:\n  name: a\n",
			wantErr: "document 0",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := decodeObjects([]byte(tt.yaml))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("decodeObjects() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.GetKind()+"/"+o.GetName())
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("decodeObjects() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNextPrefix(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"198.18.0.0/30", "198.18.0.4/30"},
		{"198.18.0.252/30", "198.18.1.0/30"},
		{"198.18.255.252/30", "198.19.0.0/30"},
		{"198.19.255.252/30", "198.20.0.0/30"}, // outside the range: where the search stops
	} {
		if got := nextPrefix(netip.MustParsePrefix(tt.in)); got.String() != tt.want {
			t.Errorf("nextPrefix(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestTokenCredentialID(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	for _, tt := range []struct {
		name, token, want, wantErr string
	}{
		{"jti", "h." + enc([]byte(`{"jti":"abc"}`)) + ".s", "JTI=abc", ""},
		{"no jti", "h." + enc([]byte(`{"sub":"x"}`)) + ".s", "", "no jti"},
		{"static token", "0123456789abcdef", "", "not a JWT"},
		{"payload not base64", "h.!!.s", "", "payload"},
		{"payload not JSON", "h." + enc([]byte(`nope`)) + ".s", "", "claims"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TokenCredentialID(tt.token)
			if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("TokenCredentialID(%q) = %q, %v; want %q, error containing %q", tt.token, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestProcessTail(t *testing.T) {
	dir := t.TempDir()
	p := StartProcess(t, dir, "printer", "/bin/sh", []string{"-c", "printf 'one\\ntwo\\nthree\\n'"}, nil)
	<-p.Done()
	if exited, err := p.Exited(); !exited || err != nil {
		t.Fatalf("Exited() = %v, %v; want true, nil", exited, err)
	}
	for _, tt := range []struct {
		n    int
		want string
	}{{1, "three"}, {2, "two\nthree"}, {5, "one\ntwo\nthree"}} {
		if got := p.Tail(tt.n); got != tt.want {
			t.Errorf("Tail(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "printer.log")); err != nil {
		t.Errorf("log file: %v", err)
	}
}

func TestProcessStopEndsTheGroup(t *testing.T) {
	// The shell starts a child of its own; stopping the process must stop
	// both, as kube-apiserver's or a replica's helpers would be.
	p := StartProcess(t, t.TempDir(), "sleeper", "/bin/sh", []string{"-c", "sleep 300 & echo $!; wait"}, nil)
	var child string
	for deadline := time.Now().Add(10 * time.Second); child == ""; time.Sleep(10 * time.Millisecond) {
		child = strings.TrimSpace(string(p.Log()))
		if exited, _ := p.Exited(); exited || time.Now().After(deadline) {
			t.Fatalf("the shell did not print its child's pid: %q", p.Log())
		}
	}
	if err := p.Stop(5 * time.Second); err == nil {
		t.Errorf("Stop() = nil, want the SIGTERM exit status")
	}
	// The child gets the signal at once, but may take a moment to end.
	for deadline := time.Now().Add(10 * time.Second); childRuns(child); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("child %s of the stopped process still runs", child)
		}
	}
}

// childRuns reports whether process pid exists and is not a zombie.
func childRuns(pid string) bool {
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	return err == nil && !strings.Contains(string(stat), ") Z ")
}

// TestKubernetesVersionMatchesGoMod keeps the release of kube-apiserver the
// tests look for in step with the k8s.io/api module the code is built with.
func TestKubernetesVersionMatchesGoMod(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "k8s.io/api").Output()
	if err != nil {
		t.Fatalf("go list -m k8s.io/api: %v", err)
	}
	api := strings.TrimSpace(string(out))
	if want := "v1." + strings.TrimPrefix(api, "v0."); KubernetesVersion != want {
		t.Errorf("KubernetesVersion = %s, want %s for k8s.io/api %s", KubernetesVersion, want, api)
	}
}

func TestRemoveStaleDirs(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	mk := func(name string) string {
		t.Helper()
		dir, err := os.MkdirTemp("", name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	stale := mk(fmt.Sprintf("%s%d-", dirPrefix, dead.Process.Pid))
	mine := mk(fmt.Sprintf("%s%d-", dirPrefix, os.Getpid()))
	unnamed := mk(dirPrefix) // no process id: never taken for stale
	removeStaleDirs(t)
	for _, tt := range []struct {
		dir  string
		kept bool
	}{{stale, false}, {mine, true}, {unnamed, true}} {
		_, err := os.Stat(tt.dir)
		if kept := err == nil; kept != tt.kept {
			t.Errorf("after removeStaleDirs, %s exists: %v, want %v", tt.dir, kept, tt.kept)
		}
	}
}
