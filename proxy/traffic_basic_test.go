package proxy

import (
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// testUsers has one user per supported hash format, all with the
// password "s3cret". The crypt hashes were made with openssl passwd.
func testUsers(tb testing.TB) map[string]string {
	tb.Helper()
	bc, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		tb.Fatal(err)
	}
	sum := sha1.Sum([]byte("s3cret"))
	return map[string]string{
		"bcrypt": string(bc),
		"apr1":   "$apr1$xyzsalt$46mF7obnb9sH9blgrPZAj0", // openssl passwd -apr1 -salt xyzsalt s3cret
		"md5":    "$1$abc$dPsF0HDVjaO430ypNfqhr.",        // openssl passwd -1 -salt abc s3cret
		"sha512": "$6$abcdefgh$Z7KfoKnKTSZrzo5VZ0YubGLQOj9ov6sHo9TmE3zIU/LHKhpE30zCnZ0mcIXYf9r9rQ4DYaXoxAFSPFlcWdxjB.",
		"sha":    "{SHA}" + base64.StdEncoding.EncodeToString(sum[:]),
		"plain":  "{PLAIN}s3cret",
	}
}

func basic(user, pass string) string {
	return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestTrafficBasicAuth(t *testing.T) {
	be := newTrafficBackend(t, nil)
	h := trafficHandler(t, be, &Traffic{BasicAuth: &BasicAuth{Realm: "Authentication Required - web", Users: testUsers(t)}})
	for _, tt := range []struct {
		name   string
		header string
		status int
	}{
		{"bcrypt", basic("bcrypt", "s3cret"), 200},
		{"apr1", basic("apr1", "s3cret"), 200},
		{"md5-crypt", basic("md5", "s3cret"), 200},
		{"sha-crypt", basic("sha512", "s3cret"), 200},
		{"sha", basic("sha", "s3cret"), 200},
		{"plain", basic("plain", "s3cret"), 200},
		{"bcrypt, wrong password", basic("bcrypt", "s3cret!"), 401},
		{"apr1, wrong password", basic("apr1", "S3cret"), 401},
		{"sha, wrong password", basic("sha", ""), 401},
		{"plain, the stored form is not the password", basic("plain", "{PLAIN}s3cret"), 401},
		{"unknown user", basic("mallory", "s3cret"), 401},
		{"no credentials", "", 401},
		{"not base64", "Authorization: Basic %%%", 401},
		{"another scheme", "Authorization: Bearer abc", 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.header != "" {
				headers = append(headers, tt.header)
			}
			w := serve(h, req("GET", "/", "", headers...))
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if tt.status == 401 {
				if got := header(w.Header(), "WWW-Authenticate"); got != `Basic realm="Authentication Required - web"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
				return
			}
			if got := be.last.Load().Header.Get("Authorization"); got != "" {
				t.Errorf("the backend got Authorization %q", got)
			}
		})
	}
}

// TestTrafficBasicAuthKeepsOtherHeaders checks that only Authorization is
// removed, and that an empty realm is sent as ingress-nginx sends it.
func TestTrafficBasicAuthKeepsOtherHeaders(t *testing.T) {
	be := newTrafficBackend(t, nil)
	h := trafficHandler(t, be, &Traffic{BasicAuth: &BasicAuth{Users: map[string]string{"u": "{PLAIN}p"}}})
	if w := serve(h, req("GET", "/", "")); header(w.Header(), "WWW-Authenticate") != `Basic realm=""` {
		t.Errorf("WWW-Authenticate = %q", header(w.Header(), "WWW-Authenticate"))
	}
	w := serve(h, req("GET", "/", "", basic("u", "p"), "Cookie: a=b"))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if got := be.last.Load().Header.Get("Cookie"); got != "a=b" {
		t.Errorf("Cookie = %q", got)
	}
}
