// Package tlsconfig will hold TLS configuration for both sides of the proxy:
// a server certificate store with selection by SNI (exact name, then
// wildcard, then a default) whose certificates can be replaced at run time,
// and per-backend client configurations (server name, root CAs, client
// certificates, verification on unless turned off).
//
// It depends on the standard library only.
package tlsconfig
