// Package ingressmuxtest asserts, in ordinary Go tests, what an
// ingressmux.Mux does with requests: where a URL is proxied, what the
// backend receives, which URLs are redirected, refused or not found. Each
// assertion is one line per URL, in the style of testify's assert, and
// asks the Mux's Explain, which runs the request through the handler's
// own code without sending it anywhere:
//
//	mux, err := ingressmux.Load(t.Context(), ingressmux.Config{Paths: []string{"manifests"}})
//	require.NoError(t, err)
//	ingressmuxtest.Routes(t, mux, "https://shop.example.com/api/cart", "default/api:80")
//	ingressmuxtest.Sends(t, mux, "https://shop.example.com/api/cart?x=1", "http://10.0.0.7:8080/cart?x=1", "shop.example.com")
//	ingressmuxtest.Redirects(t, mux, "http://shop.example.com/", 308, "https://shop.example.com/")
//	ingressmuxtest.Refuses(t, mux, "https://admin.example.com/", proxy.ActionDeny, 403, ingressmuxtest.Client("192.0.2.9"))
//	ingressmuxtest.NotFound(t, mux, "https://elsewhere.example.com/")
//
// A failing assertion prints the whole decision: every candidate rule and
// why it won or lost, and what the Mux would do.
package ingressmuxtest
