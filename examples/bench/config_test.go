package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
)

func TestNginxConf(t *testing.T) {
	for _, tt := range []struct {
		name    string
		cfg     nginxConfig
		want    []string
		notWant []string
		servers int
	}{
		{
			name: "one route",
			cfg:  nginxConfig{Dir: "/run/x", Listen: "127.0.0.1:8080", BackendAddr: "127.0.0.1:9000", Routes: []routeSpec{{plainHost, "/"}}},
			want: []string{
				"daemon off;", "worker_processes 1;", "pid /run/x/nginx.pid;", "error_log /run/x/error.log warn;",
				"proxy_temp_path /run/x/tmp/proxy;", "access_log off;",
				"upstream backend {\n        server 127.0.0.1:9000;\n        keepalive 512;",
				"proxy_http_version 1.1;", "proxy_set_header Connection $connection_upgrade;",
				"proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
				"listen 127.0.0.1:8080 default_server;", "server_name bench.test;",
				"location / {\n            proxy_pass http://backend;",
			},
			notWant: []string{"ssl", "user "},
			servers: 2,
		},
		{
			name: "TLS both ways",
			cfg: nginxConfig{Dir: "/d", Listen: "127.0.0.1:8443", ClientTLS: true, CertFile: "/d/c.pem", KeyFile: "/d/k.pem",
				BackendAddr: "127.0.0.1:9443", BackendTLS: true, Routes: []routeSpec{{tlsHost, "/"}}, User: "root"},
			want: []string{
				"user root;", "listen 127.0.0.1:8443 ssl;", "ssl_certificate /d/c.pem;", "ssl_certificate_key /d/k.pem;",
				"proxy_pass https://backend;", "proxy_ssl_session_reuse on;",
			},
			servers: 2,
		},
		{
			name: "many routes",
			cfg:  nginxConfig{Dir: "/d", Listen: "127.0.0.1:1", BackendAddr: "127.0.0.1:2", Routes: manyRoutes(3)},
			want: []string{
				"server_name h0000.bench.test;", "server_name h0002.bench.test;",
				"location /p4/ {", "location = /p4 {", "server_names_hash_bucket_size",
			},
			notWant: []string{"server_name h0003"},
			servers: 4,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conf := nginxConf(tt.cfg)
			for _, w := range tt.want {
				if !strings.Contains(conf, w) {
					t.Errorf("nginxConf lacks %q:\n%s", w, conf)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(conf, w) {
					t.Errorf("nginxConf has %q:\n%s", w, conf)
				}
			}
			if got := strings.Count(conf, "    server {"); got != tt.servers {
				t.Errorf("nginxConf has %d server blocks, want %d", got, tt.servers)
			}
			if strings.Count(conf, "{") != strings.Count(conf, "}") {
				t.Errorf("nginxConf braces do not balance:\n%s", conf)
			}
		})
	}
}

func TestCaddyfile(t *testing.T) {
	conf := caddyfile(caddyConfig{Listen: "127.0.0.1:8080", BackendAddr: "127.0.0.1:9000", Routes: manyRoutes(2), StorageDir: "/d/data"})
	for _, w := range []string{
		"admin off", "auto_https off", "storage file_system /d/data",
		"http://h0001.bench.test:8080 {", "bind 127.0.0.1", "@r3 path /p3 /p3/*", "handle @r3 {",
		"reverse_proxy http://127.0.0.1:9000 {", "keepalive_idle_conns_per_host 512", "respond 404",
	} {
		if !strings.Contains(conf, w) {
			t.Errorf("caddyfile lacks %q:\n%s", w, conf)
		}
	}
	if strings.Count(conf, "{") != strings.Count(conf, "}") {
		t.Errorf("caddyfile braces do not balance:\n%s", conf)
	}
}

// TestManifests loads the generated YAML with the real pipeline: every
// rule must compile, route to the overridden backend, and warn about
// nothing.
func TestManifests(t *testing.T) {
	c, err := newCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	backends := map[string]string{
		manifestNamespace + "/" + backendService + ":80":     "http://127.0.0.1:9000",
		manifestNamespace + "/" + backendTLSService + ":443": "https://127.0.0.1:9443",
	}
	for _, tt := range []struct {
		name   string
		routes []routeSpec
		opts   manifestOptions
		change bool
	}{
		{"many", manyRoutes(40), manifestOptions{}, false},
		{"tls both ways", []routeSpec{{tlsHost, "/"}}, manifestOptions{ClientTLS: true, BackendTLS: true, CertPEM: c.CertPEM, KeyPEM: c.KeyPEM}, false},
		{"with change", manyRoutes(2), manifestOptions{}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := writeManifests(dir, tt.routes, tt.opts); err != nil {
				t.Fatal(err)
			}
			want := len(tt.routes)
			if tt.change {
				if err := writeChange(dir, 7, tt.opts); err != nil {
					t.Fatal(err)
				}
				want++
			}
			set, compiled, err := ingress.LoadFiles(nil, []string{dir}, ingress.Options{Backends: backends})
			if err != nil {
				t.Fatal(err)
			}
			if len(set.Ingresses) != want {
				t.Errorf("%d Ingresses, want %d", len(set.Ingresses), want)
			}
			if got := len(compiled.Table.Rules()); got != want {
				t.Errorf("%d rules, want %d", got, want)
			}
			if len(compiled.Warnings) > 0 {
				t.Errorf("warnings: %v", compiled.Warnings)
			}
			if tt.change {
				if rule := compiled.Table.Match(changeHost, "/v7/item"); rule == nil {
					t.Errorf("Match(%q, %q) = nil, want the changed rule", changeHost, "/v7/item")
				}
			}
			if tt.opts.ClientTLS {
				if _, err := os.Stat(filepath.Join(dir, secretFile)); err != nil {
					t.Fatal(err)
				}
				// Only the overrides this mix uses: an unused one is a
				// warning, as it should be.
				used := map[string]string{}
				for _, rule := range compiled.Table.Rules() {
					name := rule.Backend.String()
					if v, ok := backends[name]; ok {
						used[name] = v
					}
				}
				mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{dir}, Options: ingress.Options{Backends: used}})
				if err != nil {
					t.Fatal(err)
				}
				if w := mux.Warnings(); len(w) > 0 {
					t.Errorf("warnings: %v", w)
				}
			}
		})
	}
}

func TestBackendOverrides(t *testing.T) {
	got := strings.Join(backendOverrides("127.0.0.1:1", "127.0.0.1:2"), " ")
	want := "-backend bench/backend:80=http://127.0.0.1:1 -backend bench/backend-tls:443=https://127.0.0.1:2"
	if got != want {
		t.Errorf("backendOverrides = %q, want %q", got, want)
	}
}

func TestSelectScenarios(t *testing.T) {
	all, err := selectScenarios("all")
	if err != nil || len(all) != 7 {
		t.Fatalf("selectScenarios(all) = %d scenarios, %v", len(all), err)
	}
	two, err := selectScenarios("websocket, one-route")
	if err != nil || len(two) != 2 || two[0].Name != "one-route" || two[1].Name != "websocket" {
		t.Errorf("selectScenarios = %v, %v; want one-route, websocket in report order", two, err)
	}
	if _, err := selectScenarios("nope"); err == nil {
		t.Error("selectScenarios(nope) did not fail")
	}
	many := all[1]
	if len(many.Routes) != 10000 || len(many.Targets) != 10000 {
		t.Errorf("10k-rules: %d routes, %d targets", len(many.Routes), len(many.Targets))
	}
}
