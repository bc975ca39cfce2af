package statuspage

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"
	"time"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// Snapshot is what the page shows, taken when it is requested.
type Snapshot struct {
	// Rules is the routing table, in table order.
	Rules []route.Rule
	// Upstreams are the upstreams served, with their endpoints' passive
	// health.
	Upstreams []proxy.UpstreamStatus
	// Warnings are the warnings of the last successful load, one line each.
	Warnings []string
	// LastReload is the most recent load, reload or resolve, failed or
	// not; the zero value when there was none.
	LastReload Reload
}

// Reload is the outcome of one load, reload or resolve of the routing.
type Reload struct {
	// Op is "load", "reload", "resolve", "replace" or "apply".
	Op string
	// At is when it began; Took how long it took.
	At   time.Time
	Took time.Duration
	// Err is why it failed; nil when its routing is served.
	Err error
}

// Handler serves the page for GET and HEAD requests, taking a Snapshot
// from snapshot for each. The page is plain HTML with inline styles and
// no scripts; its Content-Security-Policy forbids them.
func Handler(snapshot func() Snapshot) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var buf bytes.Buffer
		if err := page.Execute(&buf, view(snapshot(), time.Now())); err != nil {
			http.Error(w, "500 rendering the status page: "+err.Error(), http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
		_, _ = w.Write(buf.Bytes())
	})
}

//go:embed page.html
var pageHTML string

var page = template.Must(template.New("page").Parse(pageHTML))

// pageData is a Snapshot as the template shows it.
type pageData struct {
	Now        string
	Rules      []ruleRow
	Upstreams  []upstreamRow
	Endpoints  int
	Down       int
	Warnings   []string
	Reloaded   bool
	Reload     Reload
	ReloadAt   string
	ReloadAgo  string
	ReloadTook string
}

type ruleRow struct{ Host, Path, Type, Backend, Origin string }

type upstreamRow struct {
	Name, Protocol string
	Endpoints      []endpointRow
}

type endpointRow struct {
	Address, State string
	Fails          int
	Until          string
}

func view(s Snapshot, now time.Time) pageData {
	d := pageData{Now: now.UTC().Format(time.RFC3339), Warnings: s.Warnings}
	for _, r := range s.Rules {
		row := ruleRow{Host: r.Host, Path: r.Path, Type: r.Type.String(), Backend: r.Backend.String(), Origin: r.Origin}
		if row.Host == "" {
			row.Host = "*"
		}
		if row.Path == "" {
			row.Path = "-"
		}
		d.Rules = append(d.Rules, row)
	}
	for _, u := range s.Upstreams {
		row := upstreamRow{Name: u.Upstream.Name, Protocol: u.Upstream.Protocol.String()}
		for _, ep := range u.Endpoints {
			e := endpointRow{Address: ep.Address, State: string(ep.State), Fails: ep.Fails}
			if !ep.DownUntil.IsZero() {
				e.Until = ep.DownUntil.UTC().Format(time.RFC3339)
			}
			if ep.State == proxy.EndpointDown {
				d.Down++
			}
			row.Endpoints = append(row.Endpoints, e)
		}
		d.Endpoints += len(u.Endpoints)
		d.Upstreams = append(d.Upstreams, row)
	}
	if !s.LastReload.At.IsZero() {
		d.Reloaded = true
		d.Reload = s.LastReload
		d.ReloadAt = s.LastReload.At.UTC().Format(time.RFC3339)
		d.ReloadAgo = now.Sub(s.LastReload.At).Round(time.Second).String()
		d.ReloadTook = s.LastReload.Took.Round(time.Microsecond).String()
	}
	return d
}
