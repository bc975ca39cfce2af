package ingressmux_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
)

// Serve a directory of Ingress YAML in front of a backend.
func Example() {
	// A backend, standing in for the Service "web" of the manifests.
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "web got %s for host %s\n", r.URL.Path, r.Host)
	}))
	defer web.Close()

	dir, _ := os.MkdirTemp("", "manifests")
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "web.yaml"), []byte(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: {name: web, port: {number: 80}}
`), 0o644)

	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{
		Paths:   []string{dir},
		Options: ingress.Options{Backends: map[string]string{"default/web:80": web.URL}},
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	proxy := httptest.NewServer(mux) // or http.ListenAndServe(":8080", mux)
	defer proxy.Close()

	req, _ := http.NewRequest("GET", proxy.URL+"/cart", nil)
	req.Host = "shop.example.com"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.Status, ": ", string(body))
	// Output:
	// 200 OK: web got /cart for host shop.example.com
}
