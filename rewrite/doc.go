// Package rewrite holds the request rewriting and the redirects that routes
// apply, as typed values built once at load time: never configuration text.
// It depends on the standard library only, so both route and proxy can use
// it.
//
// # Path rewriting
//
// Path is ingress-nginx's rewrite-target: when a route's path pattern
// matches the request path, the whole path is replaced by the target, with
// $1 to $9 taken from the pattern's capture groups. The query string is not
// part of the path and is kept by the caller.
//
//	pattern "/something(/|$)(.*)", target "/$2":
//	  /something       -> /
//	  /something/      -> /
//	  /something/new   -> /new
//
// As in nginx, a reference to a group the pattern does not have expands to
// nothing (Path.MissingGroups lists them), and a target that is an absolute
// http or https URL makes the rewrite a redirect (Path.Redirects): the
// client is sent there with 302, the query string appended.
//
// # Gateway API path modifiers
//
// PathModifier is Gateway API's HTTPPathModifier: it replaces the whole
// path (ReplaceFullPath) or the part of it a route's path prefix matched,
// element by element (ReplacePrefixMatch), for the URLRewrite and
// RequestRedirect filters.
//
//	prefix "/prefix", ReplacePrefixMatch "/":
//	  /prefix/one -> /one
//	  /prefix     -> /
//
// # Redirects
//
// Redirect answers a request with a fixed URL and status code, as the
// permanent-redirect and temporal-redirect annotations do (the request path
// is not appended), or with the request's own URL with some parts replaced,
// as Gateway API's RequestRedirect filter does (NewRequestRedirect): its
// scheme, host name, port and path, the query kept, with the port left out
// when it is the scheme's default. AppRoot redirects exactly "/" to an
// application's root path with 302, as app-root does.
package rewrite
