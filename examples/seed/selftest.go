package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// client returns an HTTP client that sends every request to the proxy
// whatever the URL's host (like curl --resolve), trusts the example's CA,
// and does not follow redirects, so they can be checked.
func (ex *example) client() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				target := ex.httpAddr
				if strings.HasSuffix(addr, ":443") || strings.HasSuffix(addr, ":"+port(ex.httpsAddr)) {
					target = ex.httpsAddr
				}
				return dialer.DialContext(ctx, network, target)
			},
			TLSClientConfig:   &tls.Config{RootCAs: ex.siteCA.Pool()},
			ForceAttemptHTTP2: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// check is one request of the self-test and what its answer must be.
type check struct {
	name, method, url string
	cookie            *http.Cookie
	wantStatus        int
	wantBody          string // a fragment of the body
	wantHeader        [2]string
}

// selftest makes the requests a user would make and checks every answer.
func (ex *example) selftest(w io.Writer) error {
	c := ex.client()
	site := "https://projectdomain.com:" + port(ex.httpsAddr)
	plain := "http://projectdomain.com:" + port(ex.httpAddr)

	// Log in first: the cookie it sets is what /api/me needs.
	resp, err := c.Post(site+"/api/login", "application/json", nil)
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			session = ck
		}
	}
	if resp.StatusCode != http.StatusOK || session == nil {
		return fmt.Errorf("login: status %d, cookies %v; want 200 and a %q cookie", resp.StatusCode, resp.Cookies(), sessionCookie)
	}
	fmt.Fprintf(w, "ok    POST %s/api/login -> 200, Set-Cookie %s\n", site, session.Name)

	checks := []check{
		{name: "frontend page", method: "GET", url: site + "/", wantStatus: 200, wantBody: "<h1>projectdomain.com</h1>"},
		{name: "frontend deep link", method: "GET", url: site + "/dashboard?tab=1", wantStatus: 200, wantBody: "fetch(\"/api/me\""},
		{name: "user with the session cookie", method: "GET", url: site + "/api/me", cookie: session, wantStatus: 200, wantBody: "Ada Lovelace"},
		{name: "no cookie, no user", method: "GET", url: site + "/api/me", wantStatus: 401, wantBody: "not logged in"},
		{name: "backend sees its own Host", method: "GET", url: site + "/api/echo", wantStatus: 200, wantBody: `"host":"project-domain.com"`},
		{name: "plain HTTP redirects", method: "GET", url: plain + "/api/me?x=1", wantStatus: 308, wantHeader: [2]string{"Location", site + "/api/me?x=1"}},
		{name: "unknown host", method: "GET", url: "http://unknown.example:" + port(ex.httpAddr) + "/", wantStatus: 404},
	}
	for _, ck := range checks {
		if err := ex.run(c, ck); err != nil {
			return err
		}
		fmt.Fprintf(w, "ok    %s %s -> %d (%s)\n", ck.method, ck.url, ck.wantStatus, ck.name)
	}
	return nil
}

func (ex *example) run(c *http.Client, ck check) error {
	req, err := http.NewRequest(ck.method, ck.url, nil)
	if err != nil {
		return err
	}
	if ck.cookie != nil {
		req.AddCookie(ck.cookie)
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %s %s: %w", ck.name, ck.method, ck.url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != ck.wantStatus {
		return fmt.Errorf("%s: %s %s: status %d, want %d; body: %s", ck.name, ck.method, ck.url, resp.StatusCode, ck.wantStatus, body)
	}
	if ck.wantBody != "" && !strings.Contains(compactJSON(body), ck.wantBody) {
		return fmt.Errorf("%s: %s %s: body lacks %q: %s", ck.name, ck.method, ck.url, ck.wantBody, body)
	}
	if h := ck.wantHeader; h[0] != "" && resp.Header.Get(h[0]) != h[1] {
		return fmt.Errorf("%s: %s %s: %s is %q, want %q", ck.name, ck.method, ck.url, h[0], resp.Header.Get(h[0]), h[1])
	}
	return nil
}

// compactJSON removes insignificant space from JSON bodies so fragments can
// be matched; other bodies come back unchanged.
func compactJSON(body []byte) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return string(body)
	}
	out, _ := json.Marshal(v)
	return string(out)
}
