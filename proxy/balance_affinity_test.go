package proxy

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ingressmux/ingressmux/route"
)

// sticky sends a request with the cookie, if any, and returns the backend
// that answered and the affinity cookie the response set, if any.
func sticky(t *testing.T, h http.Handler, name string, cookie *http.Cookie) (string, *http.Cookie) {
	t.Helper()
	r := httptest.NewRequest("GET", "/app/x", nil)
	if cookie != nil {
		r.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	}
	w := serve(h, r)
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var set *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			set = c
		}
	}
	return decode(t, w.Body.Bytes()).Backend, set
}

var hexKey = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestAffinitySticks(t *testing.T) {
	for _, mode := range []AffinityMode{AffinityBalanced, AffinityPersistent} {
		t.Run(mode.String(), func(t *testing.T) {
			b := []*httptest.Server{newBackend(t, "0"), newBackend(t, "1"), newBackend(t, "2"), newBackend(t, "3")}
			up := upstreamOf("web", b...)
			up.Affinity = &Affinity{Mode: mode}
			rt := &Route{Upstream: up}
			h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/app", rt))})

			first, cookie := sticky(t, h, DefaultAffinityCookie, nil)
			if cookie == nil {
				t.Fatal("the first response set no affinity cookie")
			}
			if !hexKey.MatchString(cookie.Value) || strings.Contains(cookie.Value, "127.0.0.1") {
				t.Errorf("cookie value %q: want 16 hex digits that do not show the address", cookie.Value)
			}
			for i := range 100 {
				got, set := sticky(t, h, DefaultAffinityCookie, cookie)
				if got != first {
					t.Fatalf("request %d with the cookie went to %s, want %s", i, got, first)
				}
				if set != nil {
					t.Fatalf("request %d with a good cookie got a new one: %v", i, set)
				}
			}

			// The endpoint goes away: the session is placed again, and
			// stays where it lands.
			gone, _ := strconv.Atoi(first)
			rest := slices.Delete(slices.Clone(b), gone, gone+1)
			up2 := upstreamOf("web", rest...)
			up2.Affinity = up.Affinity
			if err := h.Reload(newTable(t, prefix("", "/app", &Route{Upstream: up2}))); err != nil {
				t.Fatal(err)
			}
			moved, set := sticky(t, h, DefaultAffinityCookie, cookie)
			if moved == first {
				t.Fatalf("the session stayed on %s, which is gone", first)
			}
			switch {
			case mode == AffinityPersistent && set == nil:
				t.Fatal("persistent: the moved session got no new cookie")
			case mode == AffinityBalanced && set != nil:
				t.Fatalf("balanced: the moved session got a new cookie %v; its key still leads somewhere", set)
			}
			if set != nil {
				cookie = set
			}
			for i := range 20 {
				if got, _ := sticky(t, h, DefaultAffinityCookie, cookie); got != moved {
					t.Fatalf("request %d after the move went to %s, want %s", i, got, moved)
				}
			}
		})
	}
}

func TestAffinityNewSessionsSpread(t *testing.T) {
	for _, mode := range []AffinityMode{AffinityBalanced, AffinityPersistent} {
		b := []*httptest.Server{newBackend(t, "0"), newBackend(t, "1"), newBackend(t, "2")}
		up := upstreamOf("web", b...)
		up.Affinity = &Affinity{Mode: mode}
		h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up}))})
		used := map[string]int{}
		for range 60 {
			got, _ := sticky(t, h, DefaultAffinityCookie, nil)
			used[got]++
		}
		// Balanced places at random: each endpoint misses 60 draws with
		// probability (2/3)^60.
		if len(used) != 3 {
			t.Errorf("%s: 60 new sessions went to %v, want every endpoint", mode, used)
		}
	}
}

func TestAffinityCookieAttributes(t *testing.T) {
	b := newBackend(t, "0")
	const chrome60 = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.113 Safari/537.36"
	const chrome120 = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	for _, tt := range []struct {
		name     string
		affinity Affinity
		rule     func(rt *Route) route.Rule
		tls      bool
		trustXFP bool // the peer is trusted and says X-Forwarded-Proto: https
		ua       string
		want     string // the Set-Cookie value without the cookie's value
	}{
		{"defaults on a prefix", Affinity{}, prefixRule("/app/"), false, false, "",
			"INGRESSCOOKIE=; Path=/app; HttpOnly"},
		{"root prefix", Affinity{}, prefixRule("/"), false, false, "",
			"INGRESSCOOKIE=; Path=/; HttpOnly"},
		{"exact", Affinity{}, func(rt *Route) route.Rule {
			return route.Rule{Path: "/app/login", Type: route.Exact, Value: rt}
		}, false, false, "", "INGRESSCOOKIE=; Path=/app/login; HttpOnly"},
		{"regex paths get /", Affinity{}, func(rt *Route) route.Rule {
			return route.Rule{Path: "/ap+", Type: route.Regex, Value: rt}
		}, false, false, "", "INGRESSCOOKIE=; Path=/; HttpOnly"},
		{"HTTPS makes it Secure", Affinity{}, prefixRule("/"), true, false, "",
			"INGRESSCOOKIE=; Path=/; HttpOnly; Secure"},
		{"so does a trusted proxy's X-Forwarded-Proto", Affinity{}, prefixRule("/"), false, true, "",
			"INGRESSCOOKIE=; Path=/; HttpOnly; Secure"},
		{"every setting", Affinity{Name: "route", Path: "/x", Domain: "example.com", SameSite: http.SameSiteStrictMode, Secure: true, MaxAge: 2 * time.Hour},
			prefixRule("/"), false, false, "", "route=; Path=/x; Domain=example.com; Max-Age=7200; HttpOnly; Secure; SameSite=Strict"},
		{"SameSite=None", Affinity{SameSite: http.SameSiteNoneMode, ConditionalSameSiteNone: true}, prefixRule("/"), true, false, chrome120,
			"INGRESSCOOKIE=; Path=/; HttpOnly; Secure; SameSite=None"},
		{"SameSite=None left out for Chrome 60", Affinity{SameSite: http.SameSiteNoneMode, ConditionalSameSiteNone: true}, prefixRule("/"), true, false, chrome60,
			"INGRESSCOOKIE=; Path=/; HttpOnly; Secure"},
		{"SameSite=None sent to Chrome 60 without the condition", Affinity{SameSite: http.SameSiteNoneMode}, prefixRule("/"), true, false, chrome60,
			"INGRESSCOOKIE=; Path=/; HttpOnly; Secure; SameSite=None"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			up := upstreamOf("web", b)
			a := tt.affinity
			up.Affinity = &a
			rt := &Route{Upstream: up}
			cfg := Config{Table: newTable(t, tt.rule(rt))}
			r := httptest.NewRequest("GET", "/app/login", nil)
			r.Header.Set("User-Agent", tt.ua)
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if tt.trustXFP {
				cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
				r.RemoteAddr = "127.0.0.1:5000"
				r.Header.Set("X-Forwarded-Proto", "https")
			}
			h, _ := newHandler(t, cfg)
			w := serve(h, r)
			got := w.Header().Values("Set-Cookie")
			if len(got) != 1 {
				t.Fatalf("Set-Cookie = %q, want one", got)
			}
			name, rest, _ := strings.Cut(got[0], "=")
			value, attrs, _ := strings.Cut(rest, ";")
			if !hexKey.MatchString(value) {
				t.Errorf("cookie value %q, want 16 hex digits", value)
			}
			if s := name + "=;" + attrs; s != tt.want {
				t.Errorf("Set-Cookie = %q, want %q", s, tt.want)
			}
		})
	}
	t.Run("expires", func(t *testing.T) {
		up := upstreamOf("web", b)
		up.Affinity = &Affinity{Expires: time.Hour}
		h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up}))})
		c := serve(h, httptest.NewRequest("GET", "/", nil)).Result().Cookies()
		if len(c) != 1 || time.Until(c[0].Expires) < 59*time.Minute || time.Until(c[0].Expires) > 61*time.Minute {
			t.Errorf("cookies %v, want one expiring in an hour", c)
		}
	})
}

func prefixRule(path string) func(rt *Route) route.Rule {
	return func(rt *Route) route.Rule { return route.Rule{Path: path, Type: route.Prefix, Value: rt} }
}

// TestAffinityChangeOnFailure sends a session pinned to an endpoint that
// refuses connections: the retry is served by the other endpoint, and the
// session moves there only with ChangeOnFailure.
func TestAffinityChangeOnFailure(t *testing.T) {
	good := newBackend(t, "good")
	eps := []string{deadEndpoint(t), addr(good)}
	for _, tt := range []struct {
		mode   AffinityMode
		change bool
	}{
		{AffinityPersistent, false}, {AffinityPersistent, true}, {AffinityBalanced, false}, {AffinityBalanced, true},
	} {
		t.Run(tt.mode.String()+map[bool]string{true: "/change", false: "/keep"}[tt.change], func(t *testing.T) {
			up := &Upstream{Name: "web", Endpoints: eps}
			up.Affinity = &Affinity{Mode: tt.mode, ChangeOnFailure: tt.change}
			h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up, Retry: Retry{OnError: true}}))})
			// A cookie that leads to the dead endpoint.
			var value string
			if tt.mode == AffinityPersistent {
				value = newAffinity("web", up.Affinity, eps).ids[0]
			} else {
				ring := newRing(eps)
				for range 1000 {
					if k := randomKey(); ring.lookup(hashString(k)) == 0 {
						value = k
						break
					}
				}
			}
			got, set := sticky(t, h, DefaultAffinityCookie, &http.Cookie{Name: DefaultAffinityCookie, Value: value})
			if got != "good" {
				t.Fatalf("the retry went to %s", got)
			}
			if !tt.change {
				if set != nil {
					t.Errorf("without change-on-failure the session moved: %v", set)
				}
				return
			}
			if set == nil {
				t.Fatal("with change-on-failure the response set no cookie")
			}
			for range 10 {
				if got, again := sticky(t, h, DefaultAffinityCookie, set); got != "good" || again != nil {
					t.Fatalf("the moved session went to %s (new cookie %v)", got, again)
				}
			}
		})
	}
}

func TestAffinityUnknownCookieIsReplaced(t *testing.T) {
	up := upstreamOf("web", newBackend(t, "0"), newBackend(t, "1"))
	up.Affinity = &Affinity{Mode: AffinityPersistent, Name: "s"}
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up}))})
	got, set := sticky(t, h, "s", &http.Cookie{Name: "s", Value: "10.0.0.1:80"})
	if set == nil {
		t.Fatal("a cookie naming no endpoint was not replaced")
	}
	if again, _ := sticky(t, h, "s", set); again != got {
		t.Errorf("the new cookie led to %s, the first response came from %s", again, got)
	}
}

func TestBalancingErrors(t *testing.T) {
	b := newBackend(t, "0")
	for _, tt := range []struct {
		name string
		set  func(u *Upstream)
		want string
	}{
		{"balance", func(u *Upstream) { u.Balance = 7 }, "Balance: unsupported value Balance(7)"},
		{"hash", func(u *Upstream) { u.HashBy = "$nope" }, `HashBy: invalid value "$nope": unknown variable $nope`},
		{"subset without hash", func(u *Upstream) { u.HashSubsetSize = 3 }, "HashSubsetSize: invalid value 3: must be positive, and needs HashBy"},
		{"mode", func(u *Upstream) { u.Affinity = &Affinity{Mode: 9} }, "Affinity: Mode: unsupported value AffinityMode(9)"},
		{"cookie name", func(u *Upstream) { u.Affinity = &Affinity{Name: "a b"} }, "Affinity: invalid Cookie.Name"},
		{"cookie domain", func(u *Upstream) { u.Affinity = &Affinity{Domain: "a b"} }, "Affinity: invalid Cookie.Domain"},
		{"cookie path", func(u *Upstream) { u.Affinity = &Affinity{Path: "app"} }, `Affinity: Path: invalid value "app": must start with /`},
		{"samesite", func(u *Upstream) { u.Affinity = &Affinity{SameSite: http.SameSiteDefaultMode} }, "Affinity: SameSite: unsupported value 1"},
		{"max-age", func(u *Upstream) { u.Affinity = &Affinity{MaxAge: time.Millisecond} }, "Affinity: MaxAge: invalid value 1ms: must be zero or at least one second"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			up := upstreamOf("web", b)
			tt.set(up)
			_, err := New(Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up}))})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestRejectsSameSiteNone(t *testing.T) {
	for _, tt := range []struct {
		ua   string
		want bool
	}{
		{"", false},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/51.0.2704.103 Safari/537.36", true},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/66.0.3359.181 Safari/537.36", true},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/67.0.3396.87 Safari/537.36", false},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 12_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.0 Mobile/15E148 Safari/604.1", true},
		{"Mozilla/5.0 (iPad; CPU OS 13_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0.3 Mobile/15E148 Safari/604.1", false},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1.2 Safari/605.1.15", true},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/605.1.15 (KHTML, like Gecko)", true},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36", false},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.0 Safari/605.1.15", false},
		{"Mozilla/5.0 (Linux; U; Android 8.0.0; en-US) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/57.0.2987.108 UCBrowser/12.13.0.1207 Mobile Safari/537.36", true},
		{"Mozilla/5.0 (Linux; U; Android 7.0; en-US) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 UCBrowser/11.5.0.1015 U3/0.8.0 Mobile Safari/534.30", true},
		{"Mozilla/5.0 (Linux; U; Android 9; en-US) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/78.0.3904.108 UCBrowser/12.13.2.1208 Mobile Safari/537.36", false},
	} {
		if got := rejectsSameSiteNone(tt.ua); got != tt.want {
			t.Errorf("rejectsSameSiteNone(%q) = %v, want %v", tt.ua, got, tt.want)
		}
	}
}
