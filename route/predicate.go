package route

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// Conditions are what a Gateway API rule asks of a request beyond its host
// and path (an HTTPRouteMatch's method, headers and query parameters), and
// where it stands among rules that a request matches equally well. A rule
// with conditions matches only requests that satisfy them all (see the
// package documentation's Predicates section). Rules with the same host,
// path and type are tried in Gateway API's order: a method first, then
// more headers, then more query parameters, then the earlier Tiebreak.
type Conditions struct {
	// Method is the HTTP method the request must have, case-sensitive; ""
	// for any.
	Method string
	// Headers are conditions on request headers; all must hold.
	Headers []HeaderMatch
	// Query are conditions on query parameters; all must hold.
	Query []QueryMatch
	// Scheme is "http" for a rule that only requests received over plain
	// HTTP match, "https" for one that only requests received over TLS
	// match, "" for both. A Gateway API route attached only to HTTP (or
	// only to HTTPS) listeners is served so on a program that serves both
	// from one table. It does not rank the rule: rules of different
	// schemes never compete for a request.
	Scheme string
	// Tiebreak orders the rule among rules that a request matches equally
	// well (same host, path and type, and as many conditions).
	Tiebreak Tiebreak
}

// clone returns a deep copy of c, or nil for nil.
func (c *Conditions) clone() *Conditions {
	if c == nil {
		return nil
	}
	d := *c
	d.Headers = slices.Clone(c.Headers)
	d.Query = slices.Clone(c.Query)
	return &d
}

// HeaderMatch is a condition on one request header, as Gateway API's
// HTTPHeaderMatch spells it.
type HeaderMatch struct {
	// Name is the header name, compared case-insensitively.
	Name string
	// Value is what the header's value must equal (byte for byte), or with
	// Regex the RE2 expression the whole value must match. A header sent
	// several times is matched as its values joined with ",", as RFC 9110
	// section 5.3 makes them equivalent.
	Value string
	// Regex makes Value a regular expression instead of a literal.
	Regex bool
}

// QueryMatch is a condition on one query parameter, as Gateway API's
// HTTPQueryParamMatch spells it.
type QueryMatch struct {
	// Name is the parameter name, compared case-sensitively after
	// percent-decoding.
	Name string
	// Value is what the parameter's first value must equal after
	// percent-decoding ("+" is a space), or with Regex the RE2 expression
	// that whole value must match.
	Value string
	// Regex makes Value a regular expression instead of a literal.
	Regex bool
}

// Tiebreak orders rules that the request matches equally well, as Gateway
// API orders them after every match criterion ties: the oldest route
// first, then the route's "namespace/name" alphabetically, then the rule's
// position in its route. The zero Tiebreak sorts first and leaves the order
// to the rules' order in the slice given to New.
type Tiebreak struct {
	Created time.Time // the route's creation time; zero for unknown
	Route   string    // the route's "namespace/name"
	Index   int       // the rule's (and match's) position in the route
}

// compare orders two tiebreaks, the winner first.
func (a Tiebreak) compare(b Tiebreak) int {
	return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.Route, b.Route), cmp.Compare(a.Index, b.Index))
}

// Request is what predicates look at beside the host and path: the
// method, the header (with keys in the canonical form net/http gives them,
// as http.Request.Header has them), the raw, still escaped query string
// and whether the request was received over TLS. A Request refers to the
// request's own data; building one does not allocate.
type Request struct {
	// Method is the request method, such as "GET".
	Method string
	// Header is the request's header, canonical keys as net/http makes
	// them.
	Header http.Header
	// RawQuery is the query string without the "?", still escaped, as
	// url.URL.RawQuery holds it.
	RawQuery string
	// TLS is set for a request received over TLS (a Scheme "https"
	// request); the zero Request is a plain-HTTP one.
	TLS bool
}

// RequestOf returns the view of r that predicates look at.
func RequestOf(r *http.Request) Request {
	q := ""
	if r.URL != nil {
		q = r.URL.RawQuery
	}
	return Request{Method: r.Method, Header: r.Header, RawQuery: q, TLS: r.TLS != nil}
}

// predicates is a rule's compiled method, header and query conditions.
type predicates struct {
	method  string
	scheme  string       // "", "http" or "https"
	headers []valueMatch // names canonical, first of each name only
	query   []valueMatch // first of each name only
}

// valueMatch is one compiled header or query condition.
type valueMatch struct {
	name  string
	value string
	re    *regexp.Regexp // nil for an exact value
}

func (m *valueMatch) matches(s string) bool {
	if m.re != nil {
		return m.re.MatchString(s)
	}
	return s == m.value
}

// hasPredicates reports whether r carries a method, header, query or
// scheme condition.
func (r *Rule) hasPredicates() bool {
	c := r.conditions()
	return c.Method != "" || len(c.Headers) > 0 || len(c.Query) > 0 || c.Scheme != ""
}

// compilePredicates checks and compiles r's predicates; nil when it has
// none.
func compilePredicates(r Rule) (*predicates, []error) {
	if !r.hasPredicates() {
		return nil, nil
	}
	var errs []error
	if r.Type == Default {
		errs = append(errs, errors.New("a Default rule cannot have method, header, query or scheme conditions"))
	}
	c := r.conditions()
	p := &predicates{method: c.Method, scheme: c.Scheme}
	if c.Scheme != "" && c.Scheme != "http" && c.Scheme != "https" {
		errs = append(errs, fmt.Errorf("invalid scheme %q: must be http, https or empty", c.Scheme))
	}
	if c.Method != "" && !httpguts.ValidHeaderFieldName(c.Method) {
		errs = append(errs, fmt.Errorf("invalid method %q: must be an HTTP token", c.Method))
	}
	seen := map[string]bool{}
	for i, h := range c.Headers {
		if !httpguts.ValidHeaderFieldName(h.Name) {
			errs = append(errs, fmt.Errorf("headers[%d]: invalid header name %q", i, h.Name))
			continue
		}
		name := http.CanonicalHeaderKey(h.Name)
		if seen[name] {
			continue // Gateway API: only the first entry of a name counts
		}
		seen[name] = true
		m, err := compileValue(name, h.Value, h.Regex)
		if err != nil {
			errs = append(errs, fmt.Errorf("headers[%d] (%s): %w", i, h.Name, err))
			continue
		}
		p.headers = append(p.headers, m)
	}
	clear(seen)
	for i, q := range c.Query {
		if q.Name == "" {
			errs = append(errs, fmt.Errorf("query[%d]: empty parameter name", i))
			continue
		}
		if seen[q.Name] {
			continue
		}
		seen[q.Name] = true
		m, err := compileValue(q.Name, q.Value, q.Regex)
		if err != nil {
			errs = append(errs, fmt.Errorf("query[%d] (%s): %w", i, q.Name, err))
			continue
		}
		p.query = append(p.query, m)
	}
	return p, errs
}

// compileValue compiles one header or query condition: a regex must match
// the whole value, case-sensitively.
func compileValue(name, value string, regex bool) (valueMatch, error) {
	m := valueMatch{name: name, value: value}
	if regex {
		re, _, err := compileFullRegex(value)
		if err != nil {
			return m, err
		}
		m.re = re
	}
	return m, nil
}

// rank is how a rule's predicates order it against rules of the same path:
// a method first, then more header conditions, then more query conditions.
func (p *predicates) rank() (method, headers, query int) {
	if p == nil {
		return 0, 0, 0
	}
	if p.method != "" {
		method = 1
	}
	return method, len(p.headers), len(p.query)
}

// comparePredicates orders two rules of the same path as Gateway API does
// once their paths tie: method match, header matches, query matches, then
// the tiebreak, then the order given to New.
func comparePredicates(a, b *compiled) int {
	am, ah, aq := a.pred.rank()
	bm, bh, bq := b.pred.rank()
	return cmp.Or(cmp.Compare(bm, am), cmp.Compare(bh, ah), cmp.Compare(bq, aq),
		a.rule.conditions().Tiebreak.compare(b.rule.conditions().Tiebreak), cmp.Compare(a.index, b.index))
}

// signature spells a rule's predicates canonically, so that two rules with
// the same host, path, type and signature are duplicates.
func (p *predicates) signature() string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(p.method)
	b.WriteByte(0)
	b.WriteString(p.scheme)
	for _, part := range [][]valueMatch{p.headers, p.query} {
		b.WriteByte(0)
		sorted := slices.Clone(part)
		slices.SortFunc(sorted, func(a, b valueMatch) int { return strings.Compare(a.name, b.name) })
		for _, m := range sorted {
			fmt.Fprintf(&b, "%q=%t:%q;", m.name, m.re != nil, m.value)
		}
	}
	return b.String()
}

// match reports whether req satisfies every condition. It allocates only
// for a regex on a header sent several times, or on an escaped query value.
func (p *predicates) match(req *Request) bool {
	if p.method != "" && req.Method != p.method || !p.schemeMatches(req) {
		return false
	}
	for i := range p.headers {
		m := &p.headers[i]
		vs := req.Header[m.name]
		if len(vs) == 0 {
			return false
		}
		if len(vs) == 1 {
			if !m.matches(vs[0]) {
				return false
			}
			continue
		}
		if m.re == nil {
			if !joinedEquals(vs, m.value) {
				return false
			}
		} else if !m.re.MatchString(strings.Join(vs, ",")) {
			return false
		}
	}
	for i := range p.query {
		m := &p.query[i]
		v, ok := queryValue(req.RawQuery, m.name)
		if !ok || !m.matches(v) {
			return false
		}
	}
	return true
}

// schemeMatches reports whether req was received the way p's scheme
// asks: over TLS for "https", over plain HTTP for "http".
func (p *predicates) schemeMatches(req *Request) bool {
	return p.scheme == "" || (p.scheme == "https") == req.TLS
}

// joinedEquals reports whether strings.Join(vs, ",") == want, without
// building the joined string.
func joinedEquals(vs []string, want string) bool {
	for i, v := range vs {
		if i > 0 {
			if want == "" || want[0] != ',' {
				return false
			}
			want = want[1:]
		}
		if !strings.HasPrefix(want, v) {
			return false
		}
		want = want[len(v):]
	}
	return want == ""
}

// queryValue returns the decoded value of the first parameter of the raw
// query whose decoded name is name, as url.ParseQuery would list it
// first. Pairs that url.ParseQuery rejects (bad escapes, a ";") are
// skipped, as it skips them. It allocates only to decode an escaped value
// or name.
func queryValue(raw, name string) (string, bool) {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if !queryEquals(k, name) {
			continue
		}
		if strings.ContainsAny(v, "%+") {
			d, err := url.QueryUnescape(v)
			if err != nil {
				continue
			}
			v = d
		}
		return v, true
	}
	return "", false
}

// queryEquals reports whether the escaped query component k decodes to
// name, without allocating for names written without escapes.
func queryEquals(k, name string) bool {
	if !strings.ContainsAny(k, "%+") {
		return k == name
	}
	d, err := url.QueryUnescape(k)
	return err == nil && d == name
}

// failedCondition names the first condition of r (a rule of t) that req
// does not satisfy, or "" when all hold.
func (t *Table) failedCondition(hr *hostEntry, r *Rule, req *Request) string {
	if t.preds == nil {
		return ""
	}
	i := -1
	for j := hr.meta.first; j < hr.meta.last; j++ {
		if &t.rules[j] == r {
			i = j
		}
	}
	if i < 0 || t.preds[i] == nil {
		return ""
	}
	p := t.preds[i]
	if !p.schemeMatches(req) {
		return "the request is not received over " + p.scheme
	}
	if p.method != "" && req.Method != p.method {
		return "the method is not " + p.method
	}
	for i := range p.headers {
		one := predicates{headers: p.headers[i : i+1]}
		if !one.match(req) {
			return "header " + p.headers[i].name + " does not match"
		}
	}
	for i := range p.query {
		one := predicates{query: p.query[i : i+1]}
		if !one.match(req) {
			return "query parameter " + p.query[i].name + " does not match"
		}
	}
	return ""
}
