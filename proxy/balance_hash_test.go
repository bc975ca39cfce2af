package proxy

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestParseHashKey(t *testing.T) {
	for _, tt := range []struct {
		in, err string // err: a part of the error, "" for none
	}{
		{"$request_uri", ""},
		{"${request_uri}-text", ""},
		{"$HTTP_X_USER$cookie_id${arg_page}v1_{x}", ""},
		{"static-key", ""},
		{"", "empty key"},
		{"$request_id", "unknown variable $request_id"},
		{"$1", "no regex capture groups"},
		{"$", `"$" must be followed by a variable name`},
		{"${uri", `without its closing "}"`},
		{"${http_x-user}", "letters, digits and _ only"},
		{"a b", `' ' is not allowed`},
	} {
		_, err := parseHashKey(tt.in)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("parseHashKey(%q) = %v, want no error", tt.in, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("parseHashKey(%q) = %v, want an error with %q", tt.in, err, tt.err)
		}
	}
}

// TestHashKeyVariables checks the value of each variable by comparing the
// key's hash with the hash of the text it should interpolate to.
func TestHashKeyVariables(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tt := range []struct {
		key    string
		remote string // RemoteAddr; 192.0.2.1:1234 by default
		setup  func(r *http.Request)
		want   string // the interpolated key; "" for an empty key
	}{
		{"$request_uri", "", nil, "/a/../b?q=1&Page=2"},
		{"$uri", "", nil, "/b"},
		{"$args", "", nil, "q=1&Page=2"},
		{"$query_string-x", "", nil, "q=1&Page=2-x"},
		{"$arg_page", "", nil, "2"},
		{"$arg_missing", "", nil, ""},
		{"$host", "", func(r *http.Request) { r.Host = "Example.COM:8443" }, "example.com"},
		{"$http_host", "", func(r *http.Request) { r.Host = "Example.COM:8443" }, "Example.COM:8443"},
		{"$http_x_user", "", func(r *http.Request) { r.Header.Set("X-User", "ann") }, "ann"},
		{"${http_x_user}-v1", "", func(r *http.Request) { r.Header["X-User"] = []string{"ann", "bob"} }, "ann, bob-v1"},
		{"$cookie_Session", "", func(r *http.Request) { r.Header.Set("Cookie", "a=1; session=s3; b=2") }, "s3"},
		{"$cookie_none", "", func(r *http.Request) { r.Header.Set("Cookie", "a=1") }, ""},
		{"$remote_addr", "", nil, "192.0.2.1"},
		{"$remote_addr", "[2001:db8::1]:80", nil, "2001:db8::1"},
		{"$binary_remote_addr", "", func(r *http.Request) { r.Header.Set("X-Forwarded-For", "203.0.113.9") }, "192.0.2.1"},
		// Only a trusted proxy is believed about the client.
		{"$remote_addr", "10.1.1.1:5000", func(r *http.Request) { r.Header.Set("X-Forwarded-For", "203.0.113.9, 10.2.2.2") }, "203.0.113.9"},
		{"${scheme}_$request_method", "", nil, "http_GET"},
	} {
		t.Run(tt.key, func(t *testing.T) {
			k, err := parseHashKey(tt.key)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", "http://example.com/a/../b?q=1&Page=2", nil)
			r.RemoteAddr = "192.0.2.1:1234"
			if tt.remote != "" {
				r.RemoteAddr = tt.remote
			}
			if tt.setup != nil {
				tt.setup(r)
			}
			in := pickInput{r: r, peer: parsePeer(r.RemoteAddr, trusted), path: "/b", trusted: trusted}
			got, nonEmpty := k.sum(&in)
			if nonEmpty != (tt.want != "") {
				t.Fatalf("key %q of the request is empty: %v, want %v", tt.key, !nonEmpty, tt.want == "")
			}
			if nonEmpty && got != hashString(tt.want) {
				t.Errorf("key %q does not hash as %q", tt.key, tt.want)
			}
		})
	}
}

// endpoints returns n distinct addresses.
func endpoints(n int) []string {
	eps := make([]string, n)
	for i := range eps {
		eps[i] = fmt.Sprintf("10.0.%d.%d:8080", i/250, i%250+1)
	}
	return eps
}

// TestRingMovesFewKeys adds an endpoint to rings of several sizes: keys
// may move only to the new endpoint, and at most 1.5/n of them (n counting
// the new one) over 10,000 keys; the new endpoint must get at least 0.5/n.
// Removing an endpoint moves its keys only.
func TestRingMovesFewKeys(t *testing.T) {
	const keys = 10000
	for _, n := range []int{2, 3, 5, 10, 30} {
		eps := endpoints(n)
		before, after, fewer := newRing(eps[:n-1]), newRing(eps), newRing(eps[1:max(n-1, 2)])
		moved, removedMoved := 0, 0
		for k := range keys {
			h := hashString(fmt.Sprintf("/user/%d", k))
			was, is := before.lookup(h), after.lookup(h)
			if was != is {
				moved++
				if is != n-1 {
					t.Fatalf("n=%d: key %d moved from endpoint %d to %d, not to the new endpoint", n, k, was, is)
				}
			}
			// fewer lacks eps[0]: its indexes are shifted by one.
			if now := fewer.lookup(h) + 1; was != 0 && now != was {
				removedMoved++
			}
		}
		frac := float64(moved) / keys
		t.Logf("n=%d: adding an endpoint moved %.4f of the keys (1/n = %.4f)", n, frac, 1/float64(n))
		if frac > 1.5/float64(n) || frac < 0.5/float64(n) {
			t.Errorf("n=%d: adding an endpoint moved %.4f of the keys, want between 0.5/n and 1.5/n (1/n = %.4f)", n, frac, 1/float64(n))
		}
		if removedMoved > 0 {
			t.Errorf("n=%d: removing an endpoint moved %d keys of other endpoints", n, removedMoved)
		}
	}
}

// TestRingSpread checks that each endpoint gets a fair share of keys.
func TestRingSpread(t *testing.T) {
	const n, keys = 8, 16000
	r := newRing(endpoints(n))
	count := make([]int, n)
	for k := range keys {
		count[r.lookup(hashString(fmt.Sprintf("key-%d", k)))]++
	}
	for i, c := range count {
		if share := float64(c) * n / keys; share < 0.75 || share > 1.25 {
			t.Errorf("endpoint %d got %d keys, %.2f of its fair share; counts %v", i, c, share, count)
		}
	}
}

func TestHashByThroughHandler(t *testing.T) {
	b := []*httptest.Server{newBackend(t, "0"), newBackend(t, "1"), newBackend(t, "2"), newBackend(t, "3"), newBackend(t, "4")}
	get := func(h http.Handler, user string) string {
		r := httptest.NewRequest("GET", "/", nil)
		if user != "" {
			r.Header.Set("X-User", user)
		}
		w := serve(h, r)
		if w.Code != 200 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		return decode(t, w.Body.Bytes()).Backend
	}
	t.Run("same key, same endpoint", func(t *testing.T) {
		up := upstreamOf("web", b...)
		up.HashBy = "$http_x_user"
		h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up}))})
		used := map[string]bool{}
		for u := range 20 {
			user := fmt.Sprintf("user-%d", u)
			first := get(h, user)
			used[first] = true
			for range 5 {
				if got := get(h, user); got != first {
					t.Fatalf("%s went to %s, then to %s", user, first, got)
				}
			}
		}
		if len(used) < 3 {
			t.Errorf("20 users went to %d endpoints, want at least 3 of 5", len(used))
		}
	})
	t.Run("empty key goes in turn", func(t *testing.T) {
		up := upstreamOf("web", b...)
		up.HashBy = "$http_x_user"
		h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up}))})
		used := map[string]int{}
		for range 10 {
			used[get(h, "")]++
		}
		if len(used) != 5 {
			t.Errorf("10 requests without a key went to %v, want 2 to each endpoint", used)
		}
	})
	t.Run("subset", func(t *testing.T) {
		up := upstreamOf("web", b...)
		up.HashBy, up.HashSubsetSize = "$http_x_user", 3
		h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up}))})
		for u := range 5 {
			used := map[string]int{}
			for range 60 {
				used[get(h, fmt.Sprintf("user-%d", u))]++
			}
			// Each member is missed by 60 uniform draws with probability
			// (2/3)^60, about 3e-11.
			if len(used) != 3 {
				t.Errorf("user-%d went to %v, want its subset of 3", u, used)
			}
		}
	})
	t.Run("retry walks the ring", func(t *testing.T) {
		dead := deadEndpoint(t)
		up := &Upstream{Name: "web", Endpoints: []string{dead, addr(b[0]), addr(b[1]), addr(b[2])}}
		up.HashBy = "$http_x_user"
		rt := &Route{Upstream: up, Retry: Retry{OnError: true}}
		h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", rt))})
		ring := newRing(up.Endpoints)
		checked := 0
		for u := 0; u < 200 && checked < 5; u++ {
			user := fmt.Sprintf("user-%d", u)
			if ring.lookup(hashString(user)) != 0 {
				continue
			}
			checked++
			first := get(h, user)
			for range 3 {
				if got := get(h, user); got != first {
					t.Fatalf("%s, whose endpoint is down, went to %s, then to %s", user, first, got)
				}
			}
		}
		if checked == 0 {
			t.Fatal("no key of 200 belongs to the dead endpoint")
		}
	})
}

// deadEndpoint returns a loopback address that refuses connections.
func deadEndpoint(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	a := addr(srv)
	srv.Close()
	return a
}
