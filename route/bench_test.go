package route

import (
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
)

var benchSizes = []int{10, 1_000, 10_000, 100_000}

// benchReq is a request aimed at one benchmark rule.
type benchReq struct {
	host, path string
	mux        *http.Request // nil when ServeMux cannot express the rule
}

// benchRules makes n distinct rules shaped like a large cluster's: 70% on
// exact hosts (about five per host), 20% on wildcard hosts, 10% hostless;
// Exact and Prefix paths of 2 to 4 segments, and 2% regexes on exact hosts.
// It returns one request per rule, in rule order, that the rule answers.
func benchRules(n int) ([]Rule, []benchReq) {
	rules := make([]Rule, 0, n)
	reqs := make([]benchReq, 0, n)
	for i := range n {
		r := Rule{Origin: fmt.Sprintf("bench %d", i), Backend: Backend{Namespace: "ns", Service: fmt.Sprint("svc", i%97), Port: "80"}}
		var host string
		switch m := i % 10; {
		case m < 7:
			r.Host = fmt.Sprintf("svc%d.example.com", i/5)
			host = r.Host
		case m < 9:
			r.Host = fmt.Sprintf("*.team%d.example.org", i/20)
			host = fmt.Sprintf("x%d.team%d.example.org", i, i/20)
		default:
			host = fmt.Sprintf("nohost%d.example.net", i)
		}
		segs := []string{fmt.Sprintf("app%d", i%13), fmt.Sprintf("r%d", i), "items", "detail"}[:2+i%3]
		r.Path = "/" + strings.Join(segs, "/")
		path := r.Path
		switch {
		case i%50 == 3:
			r.Type = Regex
			r.Path = fmt.Sprintf("/re%d/[a-z]+/[0-9]+", i)
			path = fmt.Sprintf("/re%d/abc/123", i)
		case i%2 == 0:
			r.Type = Exact
		default:
			r.Type = Prefix
			path += "/more/x"
		}
		rules = append(rules, r)
		reqs = append(reqs, benchReq{host: host, path: path})
	}
	return rules, reqs
}

// muxFor registers the rules ServeMux can express (exact and no host; Exact
// and Prefix paths) and attaches a request to each benchReq that uses one.
func muxFor(rules []Rule, reqs []benchReq) *http.ServeMux {
	mux := http.NewServeMux()
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for i, r := range rules {
		if strings.HasPrefix(r.Host, "*.") || r.Type == Regex {
			continue
		}
		var patterns []string
		if r.Type == Exact {
			patterns = []string{r.Host + r.Path}
		} else {
			// Element-wise prefix: the subtree and the bare element.
			p := strings.TrimSuffix(r.Path, "/")
			patterns = []string{r.Host + p + "/", r.Host + p}
		}
		for _, p := range patterns {
			mux.Handle(p, h)
		}
		reqs[i].mux = &http.Request{Method: "GET", Host: reqs[i].host, URL: &url.URL{Path: reqs[i].path}}
	}
	return mux
}

func BenchmarkMatch(b *testing.B) {
	for _, n := range benchSizes {
		rules, reqs := benchRules(n)
		b.Run(fmt.Sprintf("table/rules=%d", n), func(b *testing.B) {
			tbl := mustNew(b, rules...)
			b.ReportAllocs()
			misses := 0
			for i := 0; b.Loop(); i++ {
				q := &reqs[i%len(reqs)]
				if tbl.Match(q.host, q.path) == nil {
					misses++
				}
			}
			if misses > 0 {
				b.Fatalf("%d requests found no rule", misses)
			}
		})
		b.Run(fmt.Sprintf("linear/rules=%d", n), func(b *testing.B) {
			ref, err := newRef(rules)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				q := &reqs[i%len(reqs)]
				if ref.match(q.host, q.path) == nil {
					b.Fatalf("Match(%q, %q) = nil", q.host, q.path)
				}
			}
		})
		b.Run(fmt.Sprintf("servemux/rules=%d", n), func(b *testing.B) {
			mux := muxFor(rules, reqs)
			var muxReqs []*http.Request
			for _, q := range reqs {
				if q.mux != nil {
					muxReqs = append(muxReqs, q.mux)
				}
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, pattern := mux.Handler(muxReqs[i%len(muxReqs)]); pattern == "" {
					b.Fatalf("ServeMux found no pattern for %v", muxReqs[i%len(muxReqs)].URL)
				}
			}
		})
	}
}

func BenchmarkMatchRequest(b *testing.B) {
	rules, reqs := benchRules(10_000)
	tbl := mustNew(b, rules...)
	hreqs := make([]*http.Request, len(reqs))
	for i, q := range reqs {
		// Lower-case hosts with a port, as browsers send them: normalising
		// them does not allocate.
		hreqs[i] = &http.Request{Method: "GET", Host: q.host + ":443", URL: &url.URL{Path: q.path, RawQuery: "a=1"}}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if r, _, err := tbl.MatchRequest(hreqs[i%len(hreqs)]); r == nil || err != nil {
			b.Fatalf("MatchRequest = %v, %v", r, err)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	rules, _ := benchRules(30_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(rules); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// The heap a live table holds on to, apart from the rules it was given.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tbl, _ := New(rules)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(tbl)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc), "heap-bytes")
}

func BenchmarkCleanPath(b *testing.B) {
	for _, bc := range []struct{ name, path string }{
		{"clean", "/api/v1/users/12345/profile"},
		{"dirty", "/api//v1/./users/%7ejohn/../12345/profile/"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := CleanPath(bc.path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
