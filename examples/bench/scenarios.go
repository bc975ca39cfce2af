package main

import (
	"fmt"
	"strings"
)

// routeSpec is one routing rule every proxy under test is configured with:
// requests for Host and a path under Path (element-wise prefix) go to the
// backend. Each config writer (Ingress YAML, nginx, Caddy) is generated
// from the same list, so the proxies serve the same routing table.
type routeSpec struct {
	Host string
	Path string // "/" or "/segment" without a trailing slash
}

// target is one request a load generator sends: Host header and path.
type target struct {
	Host string
	Path string
}

// scenario is one workload: the routing table, the requests spread over it,
// and how the client and the backend are reached.
type scenario struct {
	Name  string // flag and table key
	Title string // one line for the report

	Routes  []routeSpec
	Targets []target

	ClientTLS  bool // the proxy terminates TLS
	NewConn    bool // one connection per request (Connection: close)
	BackendTLS bool // the proxy speaks HTTPS to the backend
	WebSocket  bool // WebSocket echo messages instead of GET requests

	// Rate is the open-loop request rate (per second) for the latency
	// percentiles: well under what every proxy holds on one core, so that
	// the percentiles compare service times, not queues.
	Rate int
}

// Host names. TLS scenarios use "localhost" because wrk takes the TLS
// server name (SNI) from the URL, and localhost is the one name that
// resolves to loopback without editing /etc/hosts.
const (
	plainHost = "bench.test"
	tlsHost   = "localhost"
	wsPath    = "/ws"
)

// Body sizes of the backend, chosen by the request path: a path ending in
// "/16k" gets bigBody bytes, any other path smallBody bytes.
const (
	smallBody = 1 << 10
	bigBody   = 16 << 10
)

// manyHosts and manyPaths shape the large table: manyHosts hosts with
// manyPaths path prefixes each, one Ingress per rule.
const (
	manyHosts = 2000
	manyPaths = 5
)

// manyRoutes returns a large routing table: hosts × manyPaths rules, host
// hNNNN.bench.test and paths /p0 ... /p4.
func manyRoutes(hosts int) []routeSpec {
	routes := make([]routeSpec, 0, hosts*manyPaths)
	for h := range hosts {
		for p := range manyPaths {
			routes = append(routes, routeSpec{Host: fmt.Sprintf("h%04d.bench.test", h), Path: fmt.Sprintf("/p%d", p)})
		}
	}
	return routes
}

// spread returns one request per route, below the route's path, in an
// order that walks hosts first so that consecutive requests of one
// connection hit different hosts (and cache lines).
func spread(routes []routeSpec) []target {
	out := make([]target, 0, len(routes))
	hosts := len(routes) / manyPaths
	for p := range manyPaths {
		for h := range hosts {
			r := routes[h*manyPaths+p]
			out = append(out, target{Host: r.Host, Path: r.Path + "/item"})
		}
	}
	return out
}

// allScenarios returns every scenario in report order.
func allScenarios() []*scenario {
	one := []routeSpec{{Host: plainHost, Path: "/"}}
	many := manyRoutes(manyHosts)
	return []*scenario{
		{Name: "one-route", Title: "one route, 1 KiB, keep-alive",
			Routes: one, Targets: []target{{plainHost, "/1k"}}, Rate: 2000},
		{Name: "10k-rules", Title: fmt.Sprintf("%d rules (%d hosts × %d paths), requests spread over all, 1 KiB", len(many), manyHosts, manyPaths),
			Routes: many, Targets: spread(many), Rate: 2000},
		{Name: "tls", Title: "TLS termination, keep-alive, 1 KiB",
			Routes: []routeSpec{{Host: tlsHost, Path: "/"}}, Targets: []target{{tlsHost, "/1k"}}, ClientTLS: true, Rate: 2000},
		{Name: "tls-newconn", Title: "TLS termination, new connection per request (full handshake), 1 KiB",
			Routes: []routeSpec{{Host: tlsHost, Path: "/"}}, Targets: []target{{tlsHost, "/1k"}}, ClientTLS: true, NewConn: true, Rate: 200},
		{Name: "https-backend", Title: "HTTPS to the backend (HTTP/1.1, keep-alive), 1 KiB",
			Routes: one, Targets: []target{{plainHost, "/1k"}}, BackendTLS: true, Rate: 2000},
		{Name: "16k", Title: "one route, 16 KiB responses",
			Routes: one, Targets: []target{{plainHost, "/16k"}}, Rate: 2000},
		{Name: "websocket", Title: "WebSocket echo, 1 KiB messages over long-lived connections",
			Routes: one, Targets: []target{{plainHost, wsPath}}, WebSocket: true, Rate: 2000},
	}
}

// selectScenarios returns the scenarios named in the comma-separated list
// (all of them for "" or "all"), in report order.
func selectScenarios(list string) ([]*scenario, error) {
	all := allScenarios()
	if list == "" || list == "all" {
		return all, nil
	}
	byName := map[string]*scenario{}
	var names []string
	for _, s := range all {
		byName[s.Name] = s
		names = append(names, s.Name)
	}
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if byName[n] == nil {
			return nil, fmt.Errorf("unknown scenario %q: known are %s", n, strings.Join(names, ", "))
		}
		want[n] = true
	}
	var out []*scenario
	for _, s := range all {
		if want[s.Name] {
			out = append(out, s)
		}
	}
	return out, nil
}
