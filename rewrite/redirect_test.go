package rewrite

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNewRedirect(t *testing.T) {
	for _, tt := range []struct {
		target                 string
		code, lo, hi, fallback int
		wantCode               int
		wantErr                string
	}{
		{"https://example.com/new", 308, 300, 308, 301, 308, ""},
		{"https://example.com/new", 0, 300, 308, 301, 301, ""},
		{"https://example.com/new", 399, 300, 308, 301, 301, ""},
		{"/moved?x=1", 307, 300, 307, 302, 307, ""},
		{"http://example.com", 308, 300, 307, 302, 302, ""},
		{"ftp://example.com", 301, 300, 308, 301, 0, "must be an http(s) URL"},
		{"example.com/new", 301, 300, 308, 301, 0, "must be an http(s) URL"},
		{"//evil.example/x", 301, 300, 308, 301, 0, "must be an http(s) URL"},
		{"https://example.com/a b", 301, 300, 308, 301, 0, "not allowed"},
		{"https://example.com/\r\nSet-Cookie: x", 301, 300, 308, 301, 0, "not allowed"},
	} {
		r, err := NewRedirect(tt.target, tt.code, tt.lo, tt.hi, tt.fallback)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewRedirect(%q) error = %v, want %q", tt.target, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("NewRedirect(%q): %v", tt.target, err)
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest("POST", "http://x/anything", nil))
		if rec.Code != tt.wantCode || rec.Header().Get("Location") != tt.target {
			t.Errorf("NewRedirect(%q, %d) answers %d %q, want %d %q", tt.target, tt.code, rec.Code, rec.Header().Get("Location"), tt.wantCode, tt.target)
		}
	}
}

func TestAppRoot(t *testing.T) {
	a, err := NewAppRoot("/app/")
	if err != nil {
		t.Fatal(err)
	}
	if !a.Applies("/") || a.Applies("/x") || a.Applies("") {
		t.Error("app-root applies to exactly /")
	}
	if got := a.Location("https", "shop.example.com:8443"); got != "https://shop.example.com:8443/app/" {
		t.Errorf("Location = %q", got)
	}
	for _, bad := range []string{"app", "https://x/app", "//x/app", "/a b"} {
		if _, err := NewAppRoot(bad); err == nil {
			t.Errorf("NewAppRoot(%q) accepted", bad)
		}
	}
}
