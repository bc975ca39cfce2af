package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/route"
)

// printTable prints the routing table as route.Table's dump does, but
// with each path as written in its Ingress ("/foo(/|$)(.*)"), not as the
// route package normalised it for matching ("/foo(/%7C$)(.*)").
func printTable(w io.Writer, rules []route.Rule) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tPATH\tTYPE\tBACKEND\tORIGIN")
	for _, r := range rules {
		cells := []string{hostColumn(r.Host), pathColumn(r), r.Type.String(), orDash(r.Backend.String()), orDash(r.Origin)}
		for i, c := range cells {
			if strings.ContainsAny(c, "\t\n\r\v\f") { // origins come from configuration
				cells[i] = strconv.Quote(c)
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
}

// writtenPath is the rule's path as its Ingress has it.
func writtenPath(r route.Rule) string {
	if rt, ok := r.Value.(*ingress.CompiledRoute); ok && rt.RouteSource.Path != "" {
		return rt.RouteSource.Path
	}
	return r.Path
}

func hostColumn(host string) string {
	if host == "" {
		return "*"
	}
	return host
}

func pathColumn(r route.Rule) string {
	if r.Type == route.Default {
		return "-"
	}
	return writtenPath(r)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printSettings prints, for every route whose annotations change what it
// does, one line with those settings, so that a migrating user can read
// what each route will do, not only where it goes.
func printSettings(w io.Writer, rules []route.Rule) {
	hosts := hostSet{}
	for _, r := range rules {
		if r.Host != "" {
			hosts[r.Host] = true
		}
	}
	var lines []string
	for _, r := range rules {
		settings := routeSettings(r, hosts)
		if len(settings) == 0 {
			continue
		}
		lines = append(lines, fmt.Sprintf("  %s %s: %s", hostColumn(r.Host), pathColumn(r), strings.Join(settings, "; ")))
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "\nroute settings:\n%s\n", strings.Join(lines, "\n"))
}

// routeSettings describes what differs from the defaults in the route's
// policy, in the annotations' own terms.
func routeSettings(r route.Rule, hosts hostSet) []string {
	rt := r.Value.(*ingress.CompiledRoute)
	p := rt.Policy
	var s []string
	add := func(cond bool, format string, args ...any) {
		if cond {
			s = append(s, fmt.Sprintf(format, args...))
		}
	}
	add(rt.HostRedirect != "", "308 to host %s (from-to-www-redirect)", rt.HostRedirect)
	if p.Redirect != nil {
		add(true, "redirect %d %s", p.Redirect.Code, p.Redirect.URL)
	}
	if rt.AppRoot != nil && (r.Path == "/" || r.Type == route.Default) {
		// app-root is a host setting: it shows where "/" is routed.
		add(true, "app-root %s", rt.AppRoot.Path)
	}
	add(p.RewriteTarget != "" && (rt.Rewrite == nil || !rt.Rewrite.Redirects()), "rewrite-target %s", p.RewriteTarget)
	add(rt.Rewrite != nil && rt.Rewrite.Redirects(), "rewrite-target %s (a 302 redirect, as nginx answers a rewrite to a URL)", p.RewriteTarget)
	add(p.ForwardedPrefix != "", "x-forwarded-prefix %s", p.ForwardedPrefix)
	add(p.Protocol != "", "backend-protocol %s", p.Protocol)
	add(p.UpstreamVHost != "", "Host %s", p.UpstreamVHost)
	add(p.ProxySSLName != "", "TLS name %s", p.ProxySSLName)
	add(!p.ProxySSLVerify, "TLS verification off")
	add(!p.ProxySSLServerName, "no SNI")
	u := p.Upstream
	add(u.TLSSecret != "", "TLS secret %s (%s)", u.TLSSecret, secretParts(u))
	add(u.VerifyDepth > 0, "verify depth %d", u.VerifyDepth)
	add(u.MinTLSVersion != 0, "protocols %s to %s", tls.VersionName(u.MinTLSVersion), tls.VersionName(u.MaxTLSVersion))
	add(u.ServiceUpstream, "service-upstream")
	if u.DefaultBackend != nil {
		add(true, "default-backend %s", u.DefaultBackend.Backend)
	}
	add(len(u.CustomHTTPErrors) > 0, "custom-http-errors %v", u.CustomHTTPErrors)
	add(p.MaxBodyBytes > 0, "body limit %s", formatSize(p.MaxBodyBytes))
	add(p.MaxBodyBytes < 0, "no body limit")
	add(p.ConnectTimeout > 0, "connect timeout %.0fs", p.ConnectTimeout.Seconds())
	add(p.ReadTimeout > 0, "read timeout %.0fs", p.ReadTimeout.Seconds())
	add(p.SendTimeout > 0, "send timeout %.0fs", p.SendTimeout.Seconds())
	add(!p.SSLRedirect, "ssl-redirect off")
	add(p.ForceSSLRedirect, "force-ssl-redirect")
	add(p.PreserveTrailingSlash, "preserve-trailing-slash")
	b := p.Balance
	add(b.Affinity != "", "affinity %s (%s), cookie %s", b.Affinity, b.AffinityMode, b.Cookie.Name)
	add(b.Affinity == "" && b.HashBy != "", "hash by %s", b.HashBy)
	add(b.Affinity == "" && b.HashBy != "" && b.HashBySubset, "subsets of %d", b.HashBySubsetSize)
	add(b.Affinity == "" && b.HashBy == "" && b.LoadBalance == "ewma", "load-balance ewma")
	for _, c := range rt.Canaries {
		cp := c.Policy.Canary
		var how []string
		if cp.Header != "" {
			how = append(how, "header "+cp.Header)
		}
		if cp.Cookie != "" {
			how = append(how, "cookie "+cp.Cookie)
		}
		if cp.Weight > 0 {
			how = append(how, fmt.Sprintf("weight %d/%d", cp.Weight, cp.WeightTotal))
		}
		add(true, "canary %s by %s (ingress %s/%s)", c.Backend, strings.Join(how, ", "), c.Origin.Namespace, c.Origin.Name)
	}
	s = append(s, trafficSettings(p.Traffic, hosts)...)
	pr := p.Proxying
	add(retriesChanged(pr.NextUpstream), "retries %s", describeRetries(pr.NextUpstream))
	add(!pr.RequestBuffering, "request streaming (proxy-request-buffering off)")
	add(pr.RedirectFrom != "", "Location %s -> %s", pr.RedirectFrom, pr.RedirectTo)
	add(pr.CookieDomainFrom != "", "cookie domain %s -> %s", pr.CookieDomainFrom, pr.CookieDomainTo)
	add(pr.CookiePathFrom != "", "cookie path %s -> %s", pr.CookiePathFrom, pr.CookiePathTo)
	add(pr.CloseConnection, "backend connections closed after each response")
	return s
}

func secretParts(u ingress.UpstreamPolicy) string {
	var parts []string
	if u.RootCAs != nil {
		parts = append(parts, "CA")
	}
	if u.ClientCertificate != nil {
		parts = append(parts, "client certificate")
	}
	return strings.Join(parts, " and ")
}

// retriesChanged reports whether n differs from ingress-nginx's default,
// "error timeout" with 3 tries and no time limit.
func retriesChanged(n ingress.NextUpstream) bool {
	return n.Off || !n.OnError || !n.OnTimeout || len(n.OnStatus) > 0 || n.NonIdempotent || n.Tries != 3 || n.Timeout != 0
}

func describeRetries(n ingress.NextUpstream) string {
	if n.Off {
		return "off"
	}
	var on []string
	if n.OnError {
		on = append(on, "error")
	}
	if n.OnTimeout {
		on = append(on, "timeout")
	}
	for _, code := range n.OnStatus {
		on = append(on, fmt.Sprintf("http_%d", code))
	}
	if n.NonIdempotent {
		on = append(on, "non_idempotent")
	}
	d := strings.Join(on, " ")
	if n.Tries != 0 {
		d += fmt.Sprintf(", %d tries", n.Tries)
	}
	if n.Timeout != 0 {
		d += ", for " + n.Timeout.Round(time.Second).String()
	}
	return d
}

// formatSize spells a byte count as nginx sizes are written: 50m, 512k.
func formatSize(n int64) string {
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"g", 30}, {"m", 20}, {"k", 10}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d%s", n>>u.shift, u.suffix)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
