package main

import (
	"fmt"
	"strings"
)

// caddyConfig describes the Caddy that serves a scenario's routing table.
type caddyConfig struct {
	Listen      string // 127.0.0.1:port
	ClientTLS   bool
	CertFile    string
	KeyFile     string
	BackendAddr string
	BackendTLS  bool
	Routes      []routeSpec
	StorageDir  string
}

// caddyfile renders a Caddyfile: one site per host, one handle block per
// path (element-wise prefix as "/p" plus "/p/*"), a reverse_proxy with a
// keep-alive pool as large as the others', no admin endpoint (nothing but
// the proxy port listens), and no automatic HTTPS (the harness brings its
// certificate). Caddy sets X-Forwarded-For, -Proto and -Host by itself.
func caddyfile(c caddyConfig) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("{")
	p("\tadmin off")
	p("\tauto_https off")
	p("\tstorage file_system %s", c.StorageDir)
	p("\tservers {")
	p("\t\tprotocols h1")
	p("\t}")
	p("}")
	scheme := "http"
	if c.ClientTLS {
		scheme = "https"
	}
	_, port, _ := strings.Cut(c.Listen, ":")
	upstream := "http://" + c.BackendAddr
	if c.BackendTLS {
		upstream = "https://" + c.BackendAddr
	}
	proxy := func(indent string) {
		p("%sreverse_proxy %s {", indent, upstream)
		p("%s\theader_up X-Real-IP {remote_host}", indent)
		p("%s\ttransport http {", indent)
		p("%s\t\tkeepalive 90s", indent)
		p("%s\t\tkeepalive_idle_conns_per_host 512", indent)
		if c.BackendTLS {
			p("%s\t\ttls_insecure_skip_verify", indent)
			p("%s\t\tversions 1.1", indent)
		}
		p("%s\t}", indent)
		p("%s}", indent)
	}
	for _, host := range hostsInOrder(c.Routes) {
		p("%s://%s:%s {", scheme, host.name, port)
		p("\tbind 127.0.0.1")
		if c.ClientTLS {
			p("\ttls %s %s", c.CertFile, c.KeyFile)
		}
		catchAll := false
		for i, path := range host.paths {
			if path == "/" {
				catchAll = true
				p("\thandle {")
			} else {
				p("\t@r%d path %s %s/*", i, path, path)
				p("\thandle @r%d {", i)
			}
			proxy("\t\t")
			p("\t}")
		}
		if !catchAll {
			p("\thandle {")
			p("\t\trespond 404")
			p("\t}")
		}
		p("}")
	}
	return b.String()
}
