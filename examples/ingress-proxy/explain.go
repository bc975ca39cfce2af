package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// decision is the JSON form of -explain. Its first keys (matched, ingress,
// host, path, pathType, backend) are a contract that scripts rely on.
type decision struct {
	Matched  bool   `json:"matched"`
	Ingress  string `json:"ingress"`  // "namespace/name" of the winning rule
	Host     string `json:"host"`     // the rule's host, "" if it has none
	Path     string `json:"path"`     // the rule's path, "" for a default backend
	PathType string `json:"pathType"` // as written in the Ingress; "" for a default backend
	Backend  string `json:"backend"`  // "namespace/service:port"
	// Origin is the kind and name of the object the rule comes from:
	// "Ingress namespace/name" or "HTTPRoute namespace/name".
	Origin string `json:"origin"`

	Action   string    `json:"action"`             // proxy, redirect, deny, auth, rate-limit, not-found, ...
	Status   int       `json:"status,omitempty"`   // the status of the proxy's own answer
	Location string    `json:"location,omitempty"` // of a redirect
	Upstream *upstream `json:"upstream,omitempty"` // for a proxied request

	URL         string      `json:"url"`
	RequestHost string      `json:"requestHost"` // after normalisation
	RequestPath string      `json:"requestPath"` // after normalisation
	HostEntry   string      `json:"hostEntry"`   // exact, wildcard, hostless or none
	Error       string      `json:"error,omitempty"`
	Candidates  []candidate `json:"candidates"`
}

// upstream is the request the backend would receive.
type upstream struct {
	URL            string              `json:"url"`  // scheme://endpoint/path?query as sent
	Host           string              `json:"host"` // the Host header
	SNI            string              `json:"sni"`  // the TLS server name; "" for none
	Name           string              `json:"name"` // the upstream: "namespace/service:port"
	Canary         bool                `json:"canary"`
	HeadersSet     map[string][]string `json:"headersSet"`
	HeadersRemoved []string            `json:"headersRemoved"`
	Auth           string              `json:"auth,omitempty"` // "METHOD url" of the auth request, not sent
	ConnectTimeout string              `json:"connectTimeout"`
	ReadTimeout    string              `json:"readTimeout"`
	SendTimeout    string              `json:"sendTimeout"`
	// RequestTimeout and BackendTimeout bound the whole request and each
	// attempt (Gateway API's timeouts); empty when the route sets none.
	RequestTimeout string `json:"requestTimeout,omitempty"`
	BackendTimeout string `json:"backendTimeout,omitempty"`
	MaxBodyBytes   int64  `json:"maxBodyBytes"` // -1: no limit
	// DrawnFrom lists, when the route shares its requests by weight
	// (Gateway API's backendRefs), every backend as "name weight N": Name
	// was drawn among them, and another request may go to another.
	DrawnFrom []string `json:"drawnFrom,omitempty"`
}

type candidate struct {
	Ingress  string `json:"ingress"`
	Host     string `json:"host"`
	Path     string `json:"path"`
	PathType string `json:"pathType"`
	Backend  string `json:"backend"`
	Origin   string `json:"origin"`
	Matched  bool   `json:"matched"`
	Won      bool   `json:"won"`
	Reason   string `json:"reason"`
}

// explainRequest is what -explain's request carries besides its URL.
type explainRequest struct {
	method  string
	headers headerList
	client  string
}

func (e *explainRequest) register(fs *flag.FlagSet) {
	fs.StringVar(&e.method, "explain-method", http.MethodGet, "the `METHOD` of -explain's request")
	fs.Var(&e.headers, "explain-header", "a header of -explain's request, `'Name: value'` (repeatable; Cookie too)")
	fs.StringVar(&e.client, "explain-client", "192.0.2.1", "the client `IP` of -explain's request")
}

// headerList is the repeatable -explain-header flag.
type headerList []string

func (h *headerList) String() string { return strings.Join(*h, ", ") }

func (h *headerList) Set(v string) error {
	name, _, ok := strings.Cut(v, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return errors.New("want 'Name: value'")
	}
	*h = append(*h, v)
	return nil
}

// newRequest builds the request to explain.
func (e explainRequest) newRequest(rawURL string) (*http.Request, error) {
	r, err := ingressmux.NewExplainRequest(e.method, rawURL)
	if err != nil {
		return nil, err
	}
	for _, h := range e.headers {
		name, value, _ := strings.Cut(h, ":")
		r.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	ip, err := netip.ParseAddr(e.client)
	if err != nil {
		return nil, fmt.Errorf("-explain-client %q: want an IP address", e.client)
	}
	r.RemoteAddr = net.JoinHostPort(ip.String(), "1234")
	return r, nil
}

// runExplain prints the decision for one request as a JSON object.
func runExplain(files []string, opts ingress.Options, rawURL string, er explainRequest, stdout, stderr io.Writer) int {
	r, err := er.newRequest(rawURL)
	if err != nil {
		fmt.Fprintf(stderr, "ingress-proxy: -explain %q: %v\n", rawURL, err)
		return 2
	}
	if _, compiled := load(files, opts, stderr); compiled == nil { // prints every error and warning
		return 1
	}
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: files, Options: opts,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer mux.Close()
	e := mux.ExplainRequest(r)
	d := decision{URL: rawURL, RequestHost: e.Host, RequestPath: e.Path, HostEntry: e.HostEntry, Candidates: []candidate{},
		Action: string(e.Action), Status: e.Status, Location: e.Location}
	if e.Err != nil {
		d.Error = e.Err.Error()
	}
	if e.Rule != nil {
		d.Matched = true
		d.Ingress, d.Host, d.Path, d.PathType, d.Backend = describeRule(*e.Rule)
		d.Origin = originOf(*e.Rule)
	}
	if e.Outgoing != nil {
		d.Upstream = describeUpstream(e.Decision)
	}
	for _, c := range e.Candidates {
		var out candidate
		out.Ingress, out.Host, out.Path, out.PathType, out.Backend = describeRule(c.Rule)
		out.Origin = originOf(c.Rule)
		out.Matched, out.Won, out.Reason = c.Matched, c.Won, c.Reason
		d.Candidates = append(d.Candidates, out)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// describeUpstream renders the request a backend would receive.
func describeUpstream(d proxy.Decision) *upstream {
	o := d.Outgoing
	u := &upstream{URL: o.URL.String(), Host: o.Host, SNI: o.SNI, Name: d.Upstream.Name, Canary: d.Canary >= 0,
		HeadersSet: map[string][]string{}, HeadersRemoved: slices.Clip(o.Removed),
		ConnectTimeout: d.ConnectTimeout.String(), ReadTimeout: d.ReadTimeout.String(), SendTimeout: d.SendTimeout.String(),
		MaxBodyBytes: max(d.MaxBodyBytes, -1)}
	if rt := d.Route; rt != nil {
		u.RequestTimeout, u.BackendTimeout = durationOrEmpty(rt.RequestTimeout), durationOrEmpty(rt.BackendTimeout)
		if len(rt.Backends) > 1 && d.Canary < 0 && d.Upstream != rt.DefaultBackend {
			for _, b := range rt.Backends {
				u.DrawnFrom = append(u.DrawnFrom, fmt.Sprintf("%s weight %d", b.Upstream.Name, b.Weight))
			}
		}
	}
	for _, k := range o.Set {
		u.HeadersSet[k] = o.Header[k]
	}
	if u.HeadersRemoved == nil {
		u.HeadersRemoved = []string{}
	}
	if d.Auth != nil {
		u.Auth = d.Auth.Method + " " + d.Auth.URL.String()
	}
	return u
}

// describeRule renders a rule in Kubernetes terms, from the Origin that
// ingress.Compile attaches.
func describeRule(r route.Rule) (ingressName, host, path, pathType, backend string) {
	ingressName = strings.TrimPrefix(r.Origin, "ingress ")
	path = r.Path
	pathType = r.Type.String()
	if o, ok := r.Value.(*proxy.Route); ok && o.Object.Kind != "" {
		ingressName = o.Object.Namespace + "/" + o.Object.Name
		pathType = o.Origin.PathType
		if o.Origin.Path != "" {
			path = o.Origin.Path // as written, not as normalised for matching
		}
	}
	return ingressName, r.Host, path, pathType, r.Backend.String()
}

// durationOrEmpty is d as Go writes it, or "" for zero (no bound).
func durationOrEmpty(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}
