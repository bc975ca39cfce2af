package route

import (
	"strconv"
	"strings"
)

// PathType says how a Rule's Path is compared with a request path.
type PathType uint8

const (
	// Prefix matches element-wise: the rule path, with any trailing slash
	// ignored, must equal the request path or be followed in it by a "/".
	// It implements Kubernetes "Prefix" and "ImplementationSpecific" without
	// regex mode.
	Prefix PathType = iota + 1
	// Exact matches when the request path equals the rule path byte for
	// byte (case-sensitive; "/foo" does not match "/foo/").
	Exact
	// Regex matches when the RE2 expression, compiled case-insensitively and
	// anchored at the start only, matches the request path.
	Regex
	// Default is not a path but a fallback: with a Host it answers requests
	// for that host that no path matched, without a Host it is the global
	// catch-all. Its Path must be empty.
	Default
	// StringPrefix matches when the request path starts with the rule path,
	// byte for byte and case-sensitively, whatever follows: "/source"
	// matches "/sourcecode". It is nginx's prefix location, which
	// ingress-nginx makes of ImplementationSpecific paths; Kubernetes
	// Prefix paths are element-wise (see Prefix).
	StringPrefix
	// RegularExpression matches when the RE2 expression matches the whole
	// request path, case-sensitively: Gateway API's RegularExpression path
	// match. It is tried with the Regex rules, in the same order.
	RegularExpression
)

// String returns the name of the path type, such as "Prefix".
func (t PathType) String() string {
	switch t {
	case Prefix:
		return "Prefix"
	case Exact:
		return "Exact"
	case Regex:
		return "Regex"
	case Default:
		return "Default"
	case StringPrefix:
		return "StringPrefix"
	case RegularExpression:
		return "RegularExpression"
	}
	return "PathType(" + strconv.Itoa(int(t)) + ")"
}

// Backend names the upstream a rule sends to, as the configuration spelled
// it. The route package only carries it around for dumps and diagnostics;
// resolving it to addresses is the caller's business.
type Backend struct {
	Namespace string // the Service's namespace
	Service   string // the Service's name
	Port      string // a port number or a port name, as written
}

// String returns "namespace/service:port", leaving out the parts that are
// empty; the zero Backend gives "".
func (b Backend) String() string {
	s := b.Service
	if b.Namespace != "" {
		s = b.Namespace + "/" + s
	}
	if b.Port != "" {
		s += ":" + b.Port
	}
	return s
}

// Rule is one host/path route as given to New.
//
// In a Table (the result of Match, Rules and Explain) Host and Path are in
// normalised form: the host lower-cased without a trailing dot, and Exact and
// Prefix paths cleaned with CleanPath. Regex paths are kept as written.
type Rule struct {
	// Host is "" for any host, an exact name such as "foo.com", or a
	// wildcard "*.foo.com" that covers exactly one extra label (any number
	// with Options.DeepWildcards). It is compared case-insensitively.
	Host string
	// Path is the path, prefix or regex to match; "" for Default rules.
	Path string
	// Type says how Path is compared with the request path.
	Type PathType
	// Backend is where matching requests go.
	Backend Backend
	// Origin says who declared the rule, such as "ingress default/web". It
	// is shown in dumps, explanations and conflict reports.
	Origin string
	// Value is an opaque payload for the caller (per-route policy, a
	// handler, ...). The route package never looks at it.
	Value any

	// Conditions are Gateway API's further conditions on the method,
	// headers and query, and its tiebreak; nil for none (every Ingress
	// rule). A Table keeps its own copy.
	Conditions *Conditions
}

// conditions returns r's conditions, or the empty ones.
func (r *Rule) conditions() *Conditions {
	if r.Conditions == nil {
		return &noConditions
	}
	return r.Conditions
}

var noConditions Conditions

// String returns the rule on one line, with the same columns as Table.String:
// host ("*" for any host), path ("-" for Default), type, backend and origin.
func (r Rule) String() string {
	var b strings.Builder
	b.WriteString(hostColumn(r.Host))
	b.WriteByte(' ')
	b.WriteString(pathColumn(r))
	b.WriteByte(' ')
	b.WriteString(typeColumn(r))
	b.WriteString(" -> ")
	b.WriteString(orDash(r.Backend.String()))
	b.WriteString(" (")
	b.WriteString(orDash(r.Origin))
	b.WriteByte(')')
	return b.String()
}

// hostColumn spells a rule host for humans: "*" stands for any host.
func hostColumn(host string) string {
	if host == "" {
		return "*"
	}
	return host
}

// typeColumn spells a rule's path type and, if it has any, its
// conditions, as in "Prefix GET header:X-Env=dev query~v=[0-9]+" (":" for
// an exact value, "~" for a regex).
func typeColumn(r Rule) string {
	s := r.Type.String()
	c := r.conditions()
	if c.Method != "" {
		s += " " + c.Method
	}
	if c.Scheme != "" {
		s += " scheme:" + c.Scheme
	}
	cond := func(kind, name, value string, regex bool) {
		op := ":"
		if regex {
			op = "~"
		}
		s += " " + kind + op + name + "=" + value
	}
	for _, h := range c.Headers {
		cond("header", h.Name, h.Value, h.Regex)
	}
	for _, q := range c.Query {
		cond("query", q.Name, q.Value, q.Regex)
	}
	return s
}

// pathColumn spells a rule path for humans: "-" stands for a Default rule.
func pathColumn(r Rule) string {
	if r.Type == Default {
		return "-"
	}
	return r.Path
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// where names a rule in error messages: its origin, else its index.
func where(i int, r Rule) string {
	if r.Origin != "" {
		return r.Origin
	}
	return "rule " + strconv.Itoa(i)
}

// RuleError reports why New rejected one rule.
type RuleError struct {
	Index int   // position of the rule in the slice given to New
	Rule  Rule  // the rule as given
	Err   error // what is wrong with it
}

// Error returns a message naming the rule's origin, host and path.
func (e *RuleError) Error() string {
	return "route: " + where(e.Index, e.Rule) + ": host " + strconv.Quote(e.Rule.Host) +
		" path " + strconv.Quote(e.Rule.Path) + ": " + e.Err.Error()
}

// Unwrap returns the underlying error, such as a *regexp/syntax.Error.
func (e *RuleError) Unwrap() error { return e.Err }

// Conflict records a rule that New dropped because an earlier rule has the
// same host, path, type and conditions (or is a Default for the same host).
// The rule with the earlier Tiebreak wins, else the earlier one in the
// slice, so that configuration order and nothing else breaks the tie.
type Conflict struct {
	Kept    Rule // the rule that stays in the table
	Dropped Rule // the later duplicate, ignored, as normalised
	// Index is the position of the dropped rule in the slice given to New,
	// so that callers can map it back to where they got it from.
	Index int
}

// String names both origins, for a warning.
func (c Conflict) String() string {
	what := "path " + strconv.Quote(c.Kept.Path) + " (" + c.Kept.Type.String() + ")"
	if c.Kept.Type == Default {
		what = "default backend"
	}
	return "route: host " + strconv.Quote(hostColumn(c.Kept.Host)) + " " + what + " of " +
		orDash(c.Dropped.Origin) + " is ignored: already declared by " + orDash(c.Kept.Origin)
}
