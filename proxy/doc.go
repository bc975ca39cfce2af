// Package proxy will hold the http.Handler that serves a route.Table as a
// reverse proxy: per-backend transports kept across reloads, load balancing
// over ready endpoints, forwarding headers, body-size limits and timeouts,
// WebSocket and streaming pass-through, and atomic hot reload.
//
// It is built on net/http/httputil.ReverseProxy and never imports Kubernetes
// packages; the ingress package turns Kubernetes objects into the table it
// serves.
package proxy
