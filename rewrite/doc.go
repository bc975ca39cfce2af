// Package rewrite will hold the request and response rewriting that routes
// apply: path rewriting with regex capture groups, host and header rewriting,
// and redirects (HTTPS, permanent and temporary, www).
//
// It depends on the standard library only, so both route and proxy can use it.
package rewrite
