package gateway

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/net/websocket"
)

// newH2CEcho starts an echo backend that speaks HTTP/2 without TLS only,
// as the suite's gRPC echo server does, and reports the protocol it saw.
func newH2CEcho(t testing.TB, name string) string {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"backend": %q, "path": %q, "headers": {"Proto": [%q]}}`, name, r.URL.Path, r.Proto)
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// grpcEcho is the path of the suite's echo service's methods.
const grpcEcho = "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/"

// TestConformanceGRPC ports the GRPCRoute conformance tests that need no
// gRPC client: their calls are POSTs of the gRPC path with gRPC's content
// type, answered over h2c by echo backends (the Services' appProtocol is
// kubernetes.io/h2c); the suite's Unimplemented is the 404 that a gRPC
// client reads as Unimplemented.
func TestConformanceGRPC(t *testing.T) {
	grpc := func(host, method string, metadata ...string) exchange {
		return exchange{req: "POST " + host + grpcEcho + method, headers: append([]string{"Content-Type: application/grpc"}, metadata...)}
	}
	to := func(e exchange, backend string) exchange {
		e.backend, e.seen = backend, []string{"Proto: HTTP/2.0"}
		return e
	}
	unimplemented := func(e exchange) exchange { e.status = 404; return e }
	for _, c := range []struct {
		name, manifest string
		exchanges      []exchange
	}{
		{"GRPCExactMethodMatching", "grpcroute-exact-method-matching", []exchange{
			to(grpc("", "Echo"), "grpc-infra-backend-v1"),
			to(grpc("", "EchoTwo"), "grpc-infra-backend-v2"),
			unimplemented(grpc("", "EchoThree")),
		}},
		{"GRPCRouteHeaderMatching", "grpcroute-header-matching", []exchange{
			to(grpc("", "Echo", "Version: one"), "grpc-infra-backend-v1"),
			to(grpc("", "Echo", "Version: two"), "grpc-infra-backend-v2"),
			to(grpc("", "Echo", "Version: two", "Color: orange"), "grpc-infra-backend-v1"),
			to(grpc("", "Echo", "Version: two", "Color: blue"), "grpc-infra-backend-v2"),
			unimplemented(grpc("", "Echo", "Color: orange")),
			unimplemented(grpc("", "Echo", "Some-Other-Header: one")),
			to(grpc("", "Echo", "Color: blue"), "grpc-infra-backend-v1"),
			to(grpc("", "Echo", "Color: green"), "grpc-infra-backend-v1"),
			to(grpc("", "Echo", "Color: red"), "grpc-infra-backend-v2"),
			to(grpc("", "Echo", "Color: yellow"), "grpc-infra-backend-v2"),
			unimplemented(grpc("", "Echo", "Color: purple")),
		}},
		{"GRPCRouteListenerHostnameMatching", "grpcroute-listener-hostname-matching", []exchange{
			to(grpc("bar.com", "Echo"), "grpc-infra-backend-v1"),
			to(grpc("foo.bar.com", "Echo"), "grpc-infra-backend-v2"),
			to(grpc("baz.bar.com", "Echo"), "grpc-infra-backend-v3"),
			to(grpc("boo.bar.com", "Echo"), "grpc-infra-backend-v3"),
			to(grpc("multiple.prefixes.bar.com", "Echo"), "grpc-infra-backend-v3"),
			to(grpc("multiple.prefixes.foo.com", "Echo"), "grpc-infra-backend-v3"),
			unimplemented(grpc("foo.com", "Echo")),
			unimplemented(grpc("no.matching.host", "Echo")),
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			set := loadManifests(t, c.manifest)
			backends := map[string]string{}
			for _, s := range set.Services {
				if strings.HasPrefix(s.Name, "grpc-") {
					backends[s.Namespace+"/"+s.Name+":8080"] = newH2CEcho(t, s.Name)
				}
			}
			h, out := serveSet(t, set, Options{Backends: backends})
			for _, e := range c.exchanges {
				e.run(t, h)
			}
			for _, rs := range out.Status.GRPCRoutes {
				for _, p := range rs.Status.Parents {
					for _, cond := range p.Conditions {
						if cond.Status != "True" {
							t.Errorf("grpcroute %s/%s: %s %s %s", rs.Namespace, rs.Name, cond.Type, cond.Status, cond.Message)
						}
					}
				}
			}
		})
	}
}

// TestConformanceBackendProtocolH2C ports HTTPRouteBackendProtocolH2C: a
// Service port with appProtocol kubernetes.io/h2c is spoken to over HTTP/2
// without TLS.
func TestConformanceBackendProtocolH2C(t *testing.T) {
	set := loadManifests(t, "httproute-backend-protocol-h2c")
	h, _ := serveSet(t, set, Options{Backends: map[string]string{
		"gateway-conformance-infra/infra-backend-v1:8081": newH2CEcho(t, "infra-backend-v1"),
	}})
	exchange{req: "GET /", backend: "infra-backend-v1", seen: []string{"Proto: HTTP/2.0"}}.run(t, h)
}

// TestConformanceBackendProtocolWebSocket ports
// HTTPRouteBackendProtocolWebSocket: a WebSocket connection through the
// proxy reaches the Service port with appProtocol kubernetes.io/ws, and
// text and binary messages come back.
func TestConformanceBackendProtocolWebSocket(t *testing.T) {
	backend := httptest.NewServer(websocket.Handler(func(ws *websocket.Conn) { io.Copy(ws, ws) }))
	t.Cleanup(backend.Close)
	set := loadManifests(t, "httproute-backend-protocol-websocket")
	h, _ := serveSet(t, set, Options{Backends: map[string]string{
		"gateway-conformance-infra/infra-backend-v1:8082": backend.Listener.Addr().String(),
	}})
	front := httptest.NewServer(h)
	t.Cleanup(front.Close)
	ws, err := websocket.Dial("ws"+strings.TrimPrefix(front.URL, "http")+"/ws", "", "http://gateway/"+t.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for _, msg := range []any{"Websocket Support!", []byte{1, 2, 3, 4, 5, 6, 7}} {
		if err := websocket.Message.Send(ws, msg); err != nil {
			t.Fatal(err)
		}
		switch want := msg.(type) {
		case string:
			var got string
			if err := websocket.Message.Receive(ws, &got); err != nil || got != want {
				t.Errorf("text reply %q (%v), want %q", got, err, want)
			}
		case []byte:
			var got []byte
			if err := websocket.Message.Receive(ws, &got); err != nil || !bytes.Equal(got, want) {
				t.Errorf("binary reply %v (%v), want %v", got, err, want)
			}
		}
	}
}
