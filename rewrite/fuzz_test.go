package rewrite

import (
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

// refApply is Path.Apply restated with the standard library's own template
// expansion: regexp.Expand with every $N written as ${N}, which is what
// nginx's rewrite means by $N even when a letter or digit follows it.
func refApply(pattern, target, p string) (string, bool) {
	re := regexp.MustCompile("(?i)" + pattern)
	m := re.FindStringSubmatchIndex(p)
	if m == nil {
		return p, false
	}
	if target == "" {
		target = "/"
	}
	tmpl := regexp.MustCompile(`\$(?:\{([1-9])\}|([1-9]))`).ReplaceAllString(target, "$${$1$2}")
	out := string(re.ExpandString(nil, tmpl, p, m))
	if !isURL(target) && !strings.HasPrefix(out, "/") {
		out = "/" + out
	}
	return out, true
}

// FuzzPathRewriteReference holds Path.Apply to refApply for every pattern
// and target NewPath accepts, and checks that what it rewrites stays a
// path: it starts with "/" and is never turned into an absolute or
// protocol-relative URL by the target alone.
func FuzzPathRewriteReference(f *testing.F) {
	for _, s := range [][3]string{
		{"/something(/|$)(.*)", "/$2", "/something/new"},
		{"/(a+)(b*)", "/x/$2/$1", "/aaab"},
		{"/api(/|$)(.*)", "/${2}0", "/API/v1"},
		{"/foo", "/", "/foo/bar"},
		{"(.*)", "$1", "/x/y"},
		{"/(.*)", "$1", "/evil.com/x"},
		{"/a(.*)", "/$1", "//evil.com"},
		{"^/b/(.*)$", "/c/$1/$1", "/b/%2F..%2F"},
		{"/x", "", "/x"},
		{"/(?P<n>y)", "/$1", "/y"},
		{"/old(/|$)(.*)", "https://new.example.com/$2", "/old/a"},
		{"/(.*)", "http://new.example.com$1", "/@evil.com"},
		{"/", "/$1/$7", "/x"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, pattern, target, p string) {
		r, err := NewPath(pattern, target)
		if err != nil {
			return
		}
		got, ok := r.Apply(p)
		want, wantOK := refApply(pattern, target, p)
		if got != want || ok != wantOK {
			t.Fatalf("NewPath(%q, %q).Apply(%q) = %q, %v; reference gives %q, %v", pattern, target, p, got, ok, want, wantOK)
		}
		if ok && !r.Redirects() && !strings.HasPrefix(got, "/") {
			t.Fatalf("NewPath(%q, %q).Apply(%q) = %q, not a path", pattern, target, p, got)
		}
		if ok && r.Redirects() {
			// The request chooses the path of the redirect, never its host.
			want, _ := url.Parse(target)
			u, err := url.Parse(got)
			if err != nil || !strings.EqualFold(u.Host, want.Host) || !strings.EqualFold(u.Scheme, want.Scheme) {
				t.Fatalf("NewPath(%q, %q).Apply(%q) = %q: redirects away from %s://%s", pattern, target, p, got, want.Scheme, want.Host)
			}
		}
		if !ok && got != p {
			t.Fatalf("NewPath(%q, %q).Apply(%q) changed an unmatched path to %q", pattern, target, p, got)
		}
	})
}

// FuzzRedirect checks that a redirect value NewRedirect or NewAppRoot
// accepts can only ever produce a Location header that is a valid header
// value and points where the value says: an absolute path stays on the
// same host (never "//host" or "/\host", which browsers read as another
// host), an http(s) URL keeps its host, and app-root never changes the
// host of the request it answers.
func FuzzRedirect(f *testing.F) {
	for _, s := range []string{
		"https://example.com/new", "/new", "//evil.com", "/\\evil.com", "/%2F%2Fevil.com", "http://a\r\nSet-Cookie: x=y",
		"javascript:alert(1)", "https://example.com\x00.evil", "/\t/evil.com", "http://[::1]:80/x", "/a?b#c", "http:/x",
		"https://user@evil.com@example.com/", "/\u00e9", "HTTPS://EXAMPLE.COM", "///evil.com",
	} {
		f.Add(s, 301)
	}
	f.Fuzz(func(t *testing.T, target string, code int) {
		if r, err := NewRedirect(target, code, 300, 308, 301); err == nil {
			if r.Code < 300 || r.Code > 308 {
				t.Fatalf("NewRedirect(%q, %d).Code = %d, not a redirect", target, code, r.Code)
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			checkLocation(t, w.Header().Values("Location"), target, "")
		}
		if a, err := NewAppRoot(target); err == nil {
			const host = "example.com:8080"
			checkLocation(t, []string{a.Location("https", host)}, target, host)
		}
	})
}

// checkLocation fails t unless loc is one valid Location header value for
// target; host, when not empty, is the host it must point at.
func checkLocation(t *testing.T, loc []string, target, host string) {
	t.Helper()
	if len(loc) != 1 || !httpguts.ValidHeaderFieldValue(loc[0]) {
		t.Fatalf("%q gives Location %q, not one valid header value", target, loc)
	}
	u, err := url.Parse(loc[0])
	if err != nil {
		t.Fatalf("%q gives Location %q, which does not parse: %v", target, loc[0], err)
	}
	switch {
	case host != "":
		if u.Host != host {
			t.Fatalf("app-root %q sends example.com's clients to host %q", target, u.Host)
		}
	case u.Scheme == "":
		// Browsers drop tabs and newlines and read "\" as "/" before
		// resolving a relative reference.
		seen := strings.NewReplacer("\t", "", "\r", "", "\n", "", "\\", "/").Replace(loc[0])
		if u.Host != "" || !strings.HasPrefix(seen, "/") || strings.HasPrefix(seen, "//") {
			t.Fatalf("path redirect %q gives Location %q, which leaves the host", target, loc[0])
		}
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		t.Fatalf("redirect %q gives Location %q, not an http(s) URL", target, loc[0])
	}
}
