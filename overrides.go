package ingressmux

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// OverrideError reports a backend override (Config.Backends, or the
// -backend flag of a program that fills it) that cannot be used: its key
// is not "namespace/service:port", or its value is not an address.
type OverrideError struct {
	// Key is the override's key as given.
	Key string
	// Value is the override's value as given.
	Value string
	// Reason says what is wrong.
	Reason string
}

func (e *OverrideError) Error() string {
	return fmt.Sprintf("backend override %q=%q: %s", e.Key, e.Value, e.Reason)
}

// CheckBackendOverride reports, as an *OverrideError, what makes the
// backend override key=value (an entry of Options.Backends) unusable, or
// nil: a program that reads overrides from flags or a file checks each
// where it can name it.
func CheckBackendOverride(key, value string) error {
	if reason := badOverrideKey(key); reason != "" {
		return &OverrideError{Key: key, Value: value, Reason: reason}
	}
	if reason := badOverrideValue(value); reason != "" {
		return &OverrideError{Key: key, Value: value, Reason: reason}
	}
	return nil
}

// checkOverrides returns every unusable override, joined, or nil. The
// ingress package would report a bad value on the first route that uses
// it, and the proxy a bad port as a problem of that route's endpoints:
// here the override itself is named, once.
func checkOverrides(backends map[string]string) error {
	var errs []error
	keys := make([]string, 0, len(backends))
	for k := range backends {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := CheckBackendOverride(k, backends[k]); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("ingressmux: Config.Backends: %w", errors.Join(errs...))
}

// badOverrideKey says what is wrong with an override key, or "".
func badOverrideKey(k string) string {
	ns, rest, ok := strings.Cut(k, "/")
	svc, port, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || ns == "" || svc == "" || port == "" {
		return `the key must be "namespace/service:port", such as "default/web:80"`
	}
	return ""
}

// badOverrideValue says what is wrong with an override value, or "".
func badOverrideValue(v string) string {
	const want = "want host:port or a URL such as http://127.0.0.1:8080"
	hostPort := v
	if strings.Contains(v, "://") {
		u, err := url.Parse(v)
		if err != nil {
			return want
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return "the scheme must be http or https"
		}
		if u.Path != "" && u.Path != "/" {
			return "a path is not supported; give scheme://host:port"
		}
		if u.Port() == "" {
			return ""
		}
		hostPort = u.Host
	}
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil || host == "" {
		return want
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return fmt.Sprintf("port %q: want a number from 1 to 65535", port)
	}
	return ""
}

// unusedOverrides warns of the overrides that no backend of the table
// took: a key without its namespace or with another port spelling is
// otherwise ignored without a word.
func unusedOverrides(backends map[string]string, t *route.Table) []ingress.Warning {
	if len(backends) == 0 {
		return nil
	}
	overridden := map[string]bool{} // "namespace/service" of the overridden backends
	var names []string
	note := func(u *proxy.Upstream) {
		if u == nil {
			return
		}
		names = append(names, u.Name)
		if u.Resolution == "override" {
			svc, _, _ := strings.Cut(u.Name, ":")
			overridden[svc] = true
		}
	}
	for _, rule := range t.Rules() {
		r, ok := rule.Value.(*proxy.Route)
		if !ok {
			continue
		}
		note(r.Upstream)
		for _, c := range r.Canaries {
			note(c.Upstream)
		}
		note(r.DefaultBackend)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	var warnings []ingress.Warning
	for k := range backends {
		svc, _, _ := strings.Cut(k, ":")
		if overridden[svc] {
			continue
		}
		msg := "no backend of the loaded Ingresses is " + k + "; the override is not used"
		if len(names) > 0 {
			shown := names[:min(len(names), 8)]
			msg += " (backends: " + strings.Join(shown, ", ")
			if len(shown) < len(names) {
				msg += fmt.Sprintf(" and %d more", len(names)-len(shown))
			}
			msg += ")"
		}
		warnings = append(warnings, ingress.Warning{Source: ingress.Source{File: "Config.Backends"}, Field: strconv.Quote(k), Message: msg})
	}
	slices.SortFunc(warnings, func(a, b ingress.Warning) int { return strings.Compare(a.Field, b.Field) })
	return warnings
}
