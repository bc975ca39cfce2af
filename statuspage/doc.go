// Package statuspage serves a read-only HTML page about a running proxy:
// its routing table (host, path, type, backend, origin), each upstream's
// endpoints with their passive health (up, failing, down), the warnings
// of the last load, and the time, duration and result of the last reload.
//
// The page is rendered on the server with html/template, has no scripts
// and is served with a Content-Security-Policy that forbids them. A
// program mounts Handler on an administrative listener, never on the
// public one: the page shows backend addresses.
package statuspage
