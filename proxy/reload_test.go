package proxy

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ingressmux/ingressmux/internal/testpki"
	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

func TestReloadUnderLoad(t *testing.T) {
	const (
		workers  = 16
		requests = 2000
		reloads  = 50
	)
	a, b := newBackend(t, "a"), newBackend(t, "b")
	tables := [2]*route.Table{
		newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("a", a)})),
		newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("b", b)})),
	}
	h, _ := newHandler(t, Config{Table: tables[0]})
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer client.CloseIdleConnections()

	progress := make(chan struct{}, requests)
	errs := make(chan error, requests)
	got := make(chan string, requests)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range requests / workers {
				res, err := client.Get(srv.URL + "/")
				if err != nil {
					errs <- err
					continue
				}
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				var s seen
				if err == nil && res.StatusCode == 200 {
					err = json.Unmarshal(body, &s)
				}
				if err != nil || res.StatusCode != 200 {
					errs <- fmt.Errorf("worker %d: %s %q: %v", w, res.Status, body, err)
					continue
				}
				got <- s.Backend
				progress <- struct{}{}
			}
		})
	}
	// Reload every 35 completed requests, without sleeping.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range reloads {
			for range requests / (reloads + 7) {
				<-progress
			}
			if err := h.Reload(tables[(i+1)%2]); err != nil {
				t.Errorf("Reload: %v", err)
			}
		}
	}()
	wg.Wait()
	<-done
	close(errs)
	close(got)
	for err := range errs {
		t.Errorf("request failed during reloads: %v", err)
	}
	count := map[string]int{}
	for name := range got {
		count[name]++
	}
	if count["a"]+count["b"] != requests || count["a"] == 0 || count["b"] == 0 {
		t.Errorf("answers %v, want %d from a and b, both", count, requests)
	}
	if h.Table() != tables[reloads%2] {
		t.Errorf("Table() is not the last table reloaded")
	}
}

func TestReloadRejectsBadTable(t *testing.T) {
	a := newBackend(t, "a")
	good := newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("a", a)}))
	h, _ := newHandler(t, Config{Table: good})
	for _, bad := range []*route.Table{
		nil,
		newTable(t, route.Rule{Path: "/", Type: route.Prefix, Value: "not a route"}),
		newTable(t, prefix("", "/", &Route{Upstream: &Upstream{Endpoints: []string{"no-port"}}})),
	} {
		if err := h.Reload(bad); err == nil {
			t.Errorf("Reload accepted a bad table")
		}
		if h.Table() != good {
			t.Errorf("a rejected table replaced the running one")
		}
		if w := serve(h, httptest.NewRequest("GET", "/", nil)); w.Code != 200 {
			t.Errorf("after a rejected reload: status %d", w.Code)
		}
	}
}

func TestReloadKeepsTransports(t *testing.T) {
	ca := testpki.NewCA(t, "CA")
	// Fresh values with equal settings each time, as a reload produces.
	plain := func(timeout time.Duration) *Upstream {
		return &Upstream{Name: "plain", Endpoints: []string{"127.0.0.1:1"}, ConnectTimeout: timeout}
	}
	secure := func(name string) *Upstream {
		return &Upstream{Name: "secure", Protocol: HTTPS, Endpoints: []string{"127.0.0.1:2"},
			TLS: tlsconfig.Client{ServerName: name, RootCAs: ca.Pool()}}
	}
	build := func(p, s *Upstream) (*route.Table, *Route, *Route) {
		rp, rs := &Route{Upstream: p}, &Route{Upstream: s}
		return newTable(t, prefix("p.com", "/", rp), prefix("s.com", "/", rs)), rp, rs
	}
	t0, p0, s0 := build(plain(0), secure("x.example"))
	h, _ := newHandler(t, Config{Table: t0})
	tp, ts := h.transportOf(p0), h.transportOf(s0)
	if tp == nil || ts == nil || tp == ts {
		t.Fatalf("transports %p %p, want two distinct ones", tp, ts)
	}

	for _, tt := range []struct {
		name             string
		p, s             *Upstream
		samePlain, sameS bool
	}{
		{"unchanged", plain(DefaultConnectTimeout), secure("x.example"), true, true}, // 0 means the default
		{"connect timeout changed", plain(time.Second), secure("x.example"), false, true},
		{"TLS name changed", plain(time.Second), secure("y.example"), true, false},
	} {
		table, rp, rs := build(tt.p, tt.s)
		if err := h.Reload(table); err != nil {
			t.Fatal(err)
		}
		np, ns := h.transportOf(rp), h.transportOf(rs)
		if (np == tp) != tt.samePlain || (ns == ts) != tt.sameS {
			t.Errorf("%s: plain transport kept %v (want %v), secure kept %v (want %v)", tt.name, np == tp, tt.samePlain, ns == ts, tt.sameS)
		}
		tp, ts = np, ns
	}
}

func TestReloadClosesIdleConnections(t *testing.T) {
	closed := make(chan struct{}, 1)
	be := httptest.NewUnstartedServer(echoHandler("a"))
	be.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	be.Start()
	defer be.Close()
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("a", be)}))})
	if w := serve(h, httptest.NewRequest("GET", "/", nil)); w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	// Same endpoint, new transport settings: the old pool must go.
	u := upstreamOf("a", be)
	u.ConnectTimeout = time.Second
	if err := h.Reload(newTable(t, prefix("", "/", &Route{Upstream: u}))); err != nil {
		t.Fatal(err)
	}
	<-closed // the idle connection of the old transport is closed
}
