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
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// printTable prints the routing table as route.Table's dump does, but
// with each path as written in its Ingress ("/foo(/|$)(.*)"), not as the
// route package normalised it for matching ("/foo(/%7C$)(.*)").
func printTable(w io.Writer, rules []route.Rule) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tPATH\tTYPE\tBACKEND\tORIGIN")
	for _, r := range rules {
		cells := []string{hostColumn(r.Host), pathColumn(r), typeCell(r), orDash(r.Backend.String()), orDash(r.Origin)}
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
	if rt, ok := r.Value.(*proxy.Route); ok && rt.Origin.Path != "" {
		return rt.Origin.Path
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

// printSettings prints, for every route whose annotations (or, for a
// Gateway API route, filters and fields) change what it does, one line
// with those settings, so that a migrating user can read
// what each route will do, not only where it goes. The routes say what
// they do; set, the loaded objects, gives the annotations that name
// objects (Secrets) or were written out when they match the default.
func printSettings(w io.Writer, rules []route.Rule, set *ingress.Set, opts ingress.Options) {
	hosts := hostSet{}
	for _, r := range rules {
		if r.Host != "" {
			hosts[r.Host] = true
		}
	}
	ann := newAnnotationIndex(set, opts)
	var lines []string
	for _, r := range rules {
		var settings []string
		if rt, ok := r.Value.(*proxy.Route); ok && rt.Object.Kind != "" && rt.Object.Kind != "Ingress" {
			settings = gatewaySettings(rt, hosts)
		} else {
			settings = routeSettings(r, hosts, ann)
		}
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

// routeSettings describes what differs from the defaults in the route,
// in the annotations' own terms.
func routeSettings(r route.Rule, hosts hostSet, ann annotationIndex) []string {
	rt := r.Value.(*proxy.Route)
	var s []string
	add := func(cond bool, format string, args ...any) {
		if cond {
			s = append(s, fmt.Sprintf(format, args...))
		}
	}
	// The redirects the ingress-nginx mode and from-to-www-redirect add
	// do nothing else: the annotations of their Ingress are not theirs.
	var a annotationsOf
	if !isAddedRedirect(rt) {
		a = ann.of(rt.Object)
	}
	add(rt.HostRedirect != "", "308 to host %s (from-to-www-redirect)", rt.HostRedirect)
	if rt.Redirect != nil {
		add(true, "redirect %d %s", rt.Redirect.Code, rt.Redirect.URL)
	}
	if rt.AppRoot != nil && (r.Path == "/" || r.Type == route.Default) {
		// app-root is a host setting: it shows where "/" is routed.
		add(true, "app-root %s", rt.AppRoot.Path)
	}
	target := a.get("rewrite-target")
	redirects := rt.Rewrite != nil && rt.Rewrite.Redirects()
	add(target != "" && !redirects, "rewrite-target %s", target)
	add(redirects, "rewrite-target %s (a 302 redirect, as nginx answers a rewrite to a URL)", target)
	add(rt.ForwardedPrefix != "", "x-forwarded-prefix %s", rt.ForwardedPrefix)
	u := rt.Upstream
	if protocol := strings.ToUpper(a.get("backend-protocol")); protocol != "" && protocol != "FCGI" {
		add(true, "backend-protocol %s", protocol)
	}
	add(rt.Host != "", "Host %s", rt.Host)
	add(a.get("proxy-ssl-name") != "", "TLS name %s", strings.ToLower(a.get("proxy-ssl-name")))
	add(u.TLS.InsecureSkipVerify, "TLS verification off")
	add(u.TLS.DisableSNI, "no SNI")
	if secret := a.local("proxy-ssl-secret"); secret != "" {
		add(true, "TLS secret %s (%s)", secret, secretParts(u.TLS))
	}
	add(u.TLS.VerifyDepth > 0, "verify depth %d", u.TLS.VerifyDepth)
	add(u.TLS.MinVersion != 0, "protocols %s to %s", tls.VersionName(u.TLS.MinVersion), tls.VersionName(u.TLS.MaxVersion))
	add(a.bool("service-upstream"), "service-upstream")
	if rt.DefaultBackend != nil {
		add(true, "default-backend %s", rt.DefaultBackend.Name)
	}
	add(len(rt.InterceptErrors) > 0, "custom-http-errors %v", rt.InterceptErrors)
	add(rt.MaxBodyBytes > 0, "body limit %s", formatSize(rt.MaxBodyBytes))
	add(rt.MaxBodyBytes < 0, "no body limit")
	add(u.ConnectTimeout > 0, "connect timeout %.0fs", u.ConnectTimeout.Seconds())
	add(rt.ReadTimeout > 0, "read timeout %.0fs", rt.ReadTimeout.Seconds())
	add(rt.SendTimeout > 0, "send timeout %.0fs", rt.SendTimeout.Seconds())
	add(!rt.SSLRedirect, "ssl-redirect off")
	add(rt.ForceSSLRedirect, "force-ssl-redirect")
	add(rt.PreserveTrailingSlash, "preserve-trailing-slash")
	s = append(s, balanceSettings(u.Balancing)...)
	for _, c := range rt.Canaries {
		var how []string
		if c.Header != "" {
			how = append(how, "header "+c.Header)
		}
		if c.Cookie != "" {
			how = append(how, "cookie "+c.Cookie)
		}
		if c.Weight > 0 {
			how = append(how, fmt.Sprintf("weight %d/%d", c.Weight, c.WeightTotal))
		}
		add(true, "canary %s by %s (ingress %s/%s)", c.Upstream.Name, strings.Join(how, ", "), c.Object.Namespace, c.Object.Name)
	}
	if rt.Traffic != nil {
		s = append(s, trafficSettings(rt.Traffic, a.local("auth-secret"), hosts)...)
	}
	add(retriesChanged(rt.Retry), "retries %s", describeRetries(rt.Retry))
	add(!rt.BufferRequest, "request streaming (proxy-request-buffering off)")
	add(rt.LocationRewrite.From != "", "Location %s -> %s", rt.LocationRewrite.From, rt.LocationRewrite.To)
	add(rt.CookieDomain.From != "", "cookie domain %s -> %s", rt.CookieDomain.From, rt.CookieDomain.To)
	add(rt.CookiePath.From != "", "cookie path %s -> %s", rt.CookiePath.From, rt.CookiePath.To)
	add(rt.CloseConnection, "backend connections closed after each response")
	return s
}

// balanceSettings describes how the route's requests pick an endpoint.
func balanceSettings(b proxy.Balancing) []string {
	switch {
	case b.Affinity != nil:
		mode := "balanced"
		if b.Affinity.Mode == proxy.AffinityPersistent {
			mode = "persistent"
		}
		return []string{fmt.Sprintf("affinity cookie (%s), cookie %s", mode, b.Affinity.Name)}
	case b.HashBy != "" && b.HashSubsetSize > 0:
		return []string{"hash by " + b.HashBy, fmt.Sprintf("subsets of %d", b.HashSubsetSize)}
	case b.HashBy != "":
		return []string{"hash by " + b.HashBy}
	case b.Balance == proxy.EWMA:
		return []string{"load-balance ewma"}
	}
	return nil
}

// isAddedRedirect reports whether rt is a redirect that no path of its
// Ingress declares: the 301 to a path with a trailing slash that the
// ingress-nginx mode adds, or a from-to-www-redirect twin.
func isAddedRedirect(rt *proxy.Route) bool {
	return rt.HostRedirect != "" || rt.Redirect != nil && rt.Redirect.AppendQuery
}

func secretParts(c tlsconfig.Client) string {
	var parts []string
	if c.RootCAs != nil {
		parts = append(parts, "CA")
	}
	if len(c.Certificates) > 0 {
		parts = append(parts, "client certificate")
	}
	return strings.Join(parts, " and ")
}

// retriesChanged reports whether r differs from ingress-nginx's default,
// "error timeout" with 3 tries and no time limit.
func retriesChanged(r proxy.Retry) bool {
	return !r.OnError || !r.OnTimeout || len(r.OnStatus) > 0 || r.NonIdempotent || r.Tries != 3 || r.Timeout != 0
}

func describeRetries(r proxy.Retry) string {
	var on []string
	if r.OnError {
		on = append(on, "error")
	}
	if r.OnTimeout {
		on = append(on, "timeout")
	}
	for _, code := range r.OnStatus {
		on = append(on, fmt.Sprintf("http_%d", code))
	}
	if r.NonIdempotent {
		on = append(on, "non_idempotent")
	}
	if len(on) == 0 {
		return "off" // proxy-next-upstream: off; nothing else turns every condition off
	}
	d := strings.Join(on, " ")
	if r.Tries != 0 {
		d += fmt.Sprintf(", %d tries", r.Tries)
	}
	if r.Timeout != 0 {
		d += ", for " + r.Timeout.Round(time.Second).String()
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
