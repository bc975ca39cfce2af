package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/ingressmux/ingressmux/ingress"
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

	URL         string      `json:"url"`
	RequestHost string      `json:"requestHost"` // after normalisation
	RequestPath string      `json:"requestPath"` // after normalisation
	HostEntry   string      `json:"hostEntry"`   // exact, wildcard, hostless or none
	Error       string      `json:"error,omitempty"`
	Candidates  []candidate `json:"candidates"`
}

type candidate struct {
	Ingress  string `json:"ingress"`
	Host     string `json:"host"`
	Path     string `json:"path"`
	PathType string `json:"pathType"`
	Backend  string `json:"backend"`
	Matched  bool   `json:"matched"`
	Won      bool   `json:"won"`
	Reason   string `json:"reason"`
}

// runExplain prints the routing decision for one URL as a JSON object.
func runExplain(files []string, opts ingress.Options, rawURL string, stdout, stderr io.Writer) int {
	u, err := parseTarget(rawURL)
	if err != nil {
		fmt.Fprintf(stderr, "ingress-proxy: -explain %q: %v\n", rawURL, err)
		return 2
	}
	compiled := load(files, opts, stderr)
	if compiled == nil {
		return 1
	}
	e := compiled.Table.Explain(u.Host, u.EscapedPath())
	d := decision{URL: rawURL, RequestHost: e.Host, RequestPath: e.Path, HostEntry: e.HostEntry, Candidates: []candidate{}}
	if e.Err != nil {
		d.Error = e.Err.Error()
	}
	if e.Rule != nil {
		d.Matched = true
		d.Ingress, d.Host, d.Path, d.PathType, d.Backend = describeRule(*e.Rule)
	}
	for _, c := range e.Candidates {
		var out candidate
		out.Ingress, out.Host, out.Path, out.PathType, out.Backend = describeRule(c.Rule)
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

// describeRule renders a rule in Kubernetes terms, from the Origin that
// ingress.Compile attaches.
func describeRule(r route.Rule) (ingressName, host, path, pathType, backend string) {
	ingressName = strings.TrimPrefix(r.Origin, "ingress ")
	path = r.Path
	pathType = r.Type.String()
	if o, ok := r.Value.(*ingress.Route); ok {
		ingressName = o.Namespace + "/" + o.Name
		pathType = o.PathType
		if o.Origin.Path != "" {
			path = o.Origin.Path // as written, not as normalised for matching
		}
	}
	return ingressName, r.Host, path, pathType, r.Backend.String()
}

// parseTarget accepts "https://host/path?query" and, for convenience,
// "host/path" without a scheme.
func parseTarget(raw string) (*url.URL, error) {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Host == "" {
		return nil, fmt.Errorf("no host in URL")
	}
	return u, nil
}
