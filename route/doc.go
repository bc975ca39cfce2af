// Package route is the compiled, immutable host and path matcher of
// ingressmux.
//
// # Overview
//
// A caller (package ingress) turns its configuration into a []Rule and calls
// New, which validates every rule, reports every problem at once, and
// compiles the rest into a Table. The proxy then calls Table.MatchRequest,
// or NormalizeHost, CleanPath and Table.Match, for every request. A Table
// never changes; a reload builds a new one and swaps it in.
//
// The package knows nothing about Kubernetes. A Rule carries a host, a path,
// a PathType, a Backend name, an Origin (who declared it, for messages) and
// an opaque Value for the caller; a rule from Gateway API also carries
// Conditions on the method, headers and query parameters, and a Tiebreak
// (see Predicates).
//
// # Hosts
//
// A rule's Host is one of:
//
//   - "" — any host;
//   - an exact name, "foo.com" — compared case-insensitively;
//   - a wildcard, "*.foo.com" — exactly one more label: it covers
//     "a.foo.com", but neither "foo.com" nor "a.b.foo.com".
//
// Rule hosts are lower-cased and lose one trailing dot; a port, a "*"
// anywhere but as the whole first label, an empty label or a character
// other than letters, digits, "-" and "_" is an error (non-ASCII names must
// be given in punycode).
//
// For a request, the host entry is chosen first, and only its rules take
// part:
//
//  1. the exact host, if any rule names it (even only a Default rule);
//  2. else the wildcard that covers it;
//  3. else the rules without a host.
//
// NewWithOptions can make chosen wildcards cover any number of labels
// (Options.DeepWildcards), as nginx's server_name "*.foo.com" does: they
// are looked up after the exact host and before one-label wildcards, the
// longest suffix first. With Options.SpecificWildcardsFirst, a one-label
// wildcard, whose suffix is the longest, comes before them instead: the
// most specific wildcard wins, as where Ingress and Gateway API hosts
// meet in one table.
//
// A request whose host selected an exact or wildcard entry never falls
// through to another entry: when none of the entry's paths match, the
// entry's Default answers, else the global Default (a Default rule without
// a host), else there is no route. Hostless requests likewise fall back to
// the global Default.
//
// # Paths
//
// The PathType says how Path is compared with the request path:
//
//   - Exact: byte for byte, case-sensitive. "/foo" does not match "/foo/".
//   - Prefix: element-wise. "/foo/bar" and "/foo/bar/" both match
//     "/foo/bar", "/foo/bar/" and "/foo/bar/baz", never "/foo/barbaz".
//     "/" matches every path. Kubernetes "ImplementationSpecific" paths
//     outside regex mode are Prefix paths.
//   - Regex: RE2 syntax, compiled as `(?i)^(?:` + Path + `)`: case
//     insensitive and anchored at the start only, as in ingress-nginx. So
//     "/api" matches "/API/x" but not "/x/api"; add "$" to anchor the end.
//     Look-around and back-references are not RE2 and are rejected by New
//     with a hint.
//   - StringPrefix: a byte prefix, case-sensitive, whatever follows:
//     "/source" matches "/sourcecode". This is nginx's prefix location,
//     which ingress-nginx makes of ImplementationSpecific paths; package
//     ingress uses it in its ingress-nginx matching mode only.
//   - RegularExpression: Gateway API's regular expression path: RE2,
//     case-sensitive, matching the whole path: "/api/v[0-9]+" matches
//     "/api/v2" but neither "/API/v2" nor "/api/v2/x". It is tried with
//     the Regex rules, in the same order.
//   - Default: not a path (Path must be ""), but a host's fallback, or with
//     no Host the global catch-all.
//
// Exact, Prefix and StringPrefix rule paths are cleaned with CleanPath, like request
// paths, so "/a/%7Euser" and "/a/~user" are the same rule; characters a
// client must percent-encode (space, non-ASCII) are encoded, so a rule
// "/café" matches the request "/caf%C3%A9". Regex paths are used as
// written and see the cleaned, still-escaped request path.
//
// The query string takes part in matching only through a rule's
// Conditions.
//
// # Precedence
//
// Within the selected host entry:
//
//  1. an Exact rule equal to the request path;
//  2. else the Regex rules, longest pattern string first, equal lengths in
//     reverse lexicographic order (ingress-nginx's order); the first that
//     matches wins;
//  3. else the longest matching Prefix or StringPrefix, by path string, so
//     "/foo/" beats "/foo" (they match the same paths; "/foo" is then never
//     chosen); of a Prefix and a StringPrefix of the same length, the
//     Prefix;
//  4. else the entry's Default, else the global Default, else nothing.
//
// The order of rules in the slice given to New never matters, except
// between two rules with the same host, path and type (see Conflicts).
// NewWithOptions with Options.RegexInOrder is the exception: it tries each
// host's Regex rules in the order given, for a caller that reproduces
// another router's order (ingress-nginx sorts its locations by the paths as
// written, then expands some of them, which no sort of the patterns
// reproduces).
//
// Worked examples, for a table of these rules:
//
//	foo.com    /                  Prefix   (1)
//	foo.com    /api               Prefix   (2)
//	foo.com    /api/              Prefix   (3)
//	foo.com    /api/v1            Exact    (4)
//	foo.com    /api/v[0-9]+/users Regex    (5)
//	foo.com    -                  Default  (6)
//	*.foo.com  /static            Prefix   (7)
//	*          /                  Prefix   (8)
//	*          -                  Default  (9)
//
// foo.com/api/v1 gets (4): Exact comes first. foo.com/API/V2/users/7 gets
// (5): regexes come before prefixes and ignore case. foo.com/api/v1/x gets
// (3): "/api/" is longer than "/api" and both match. foo.com/apix gets (1):
// "/api" does not match "/apix" element-wise. a.foo.com/static/x gets (7);
// a.foo.com/other gets (9), not (8): the wildcard entry was selected and has
// no Default, so the global one answers. a.b.foo.com/static gets (8): the
// wildcard covers one label only. bar.com/x gets (8).
//
// The regex order has a trap worth knowing. With the Regex rules
// "/foo/bar/bar" and "/foo/bar/[A-Z0-9]{3}", the request "/foo/bar/bar" goes
// to the second: it is the longer pattern, so it is tried first, and being
// case-insensitive it matches "bar". Table.Explain shows this plainly; an
// Exact rule "/foo/bar/bar" would win over both.
//
// # Predicates
//
// A rule may carry Conditions beyond host and path, as Gateway API's
// HTTPRouteMatch does: a Method, Headers and Query parameters. Such a rule
// answers only a request that satisfies all of them; rules without
// conditions (every Ingress rule) always do, so tables without conditions
// match exactly as described above. A rule's Conditions cost a table one
// pointer when they are nil.
//
//   - Method: equal to the request method, case-sensitively.
//   - Headers: names are compared case-insensitively. A value condition is
//     Exact (byte for byte) or a regex (RE2, case-sensitive, matching the
//     whole value). A header the request sends several times is matched as
//     its values joined with ",", which RFC 9110 section 5.3 makes the same
//     header; a missing header fails every condition, even the regex ".*".
//   - Query: names are compared case-sensitively after percent-decoding,
//     values after decoding too ("+" is a space), and the first value of a
//     repeated parameter counts, as Gateway API recommends. Exact or regex,
//     as for headers. Parameters that url.ParseQuery rejects are skipped.
//   - Of several conditions on the same header name (in any case) or query
//     name, only the first counts, as Gateway API says.
//   - Scheme: "http" or "https", whether the request was received over
//     plain HTTP or over TLS (Request.TLS), for a program that serves the
//     routes of Gateway API's HTTP and HTTPS listeners from one table. It
//     does not rank a rule. Match and a nil request stand for plain HTTP.
//
// # Gateway API precedence
//
// Rules with conditions slot into the precedence above. Within the selected
// host entry, the path candidates are tried in their order (the Exact
// path; the regexes; then the prefixes, longest first), and at each, its
// rules in this order, the first whose conditions hold winning:
//
//  1. a rule with a Method before one without;
//  2. more header conditions first;
//  3. more query conditions first;
//  4. the earlier Conditions.Tiebreak: the oldest route (Created), then the
//     route's "namespace/name", then the rule's index in its route;
//  5. the order given to New.
//
// When none holds, the next path candidate is tried, then the entry's
// Default, then the global Default. That is Gateway API's order (Exact
// path, then the longest prefix, then method, headers, query, age, name,
// rule order) with Gateway API's hostname specificity as the host entry
// choice: a caller that builds a table from Gateway API routes puts each
// rule under its hostname (the route's, intersected with its listener's)
// and lists every wildcard in Options.DeepWildcards, since Gateway API
// wildcards cover any number of labels, the longest suffix first.
//
// One choice is this package's: as between Ingress hosts, a request never
// falls through from the host entry it selected to a less specific one,
// also when no rule of that entry holds. Gateway API orders "rules from the
// HTTPRoute with the largest number of characters in a matching
// non-wildcard hostname" first without saying whether a request may reach
// a wildcard route when every rule of the exact hostname fails; Envoy-based
// implementations (one virtual host per hostname) and listener isolation
// (a request belongs to the most specific listener only) both answer no,
// and so does this package. A catch-all for one hostname is a rule with
// that hostname and the prefix "/".
//
// Worked examples, for a table of these rules (all of route "ns/a",
// created at the same time, in rule order, with deep wildcards):
//
//	foo.com    /v1       Prefix             (1)
//	foo.com    /v1       Prefix  GET        (2)
//	foo.com    /v1       Prefix  x-env=dev  (3)
//	foo.com    /v1       Prefix  x-env=dev  q:debug=1  (4)
//	foo.com    /v1/a     Exact   POST       (5)
//	foo.com    /v1/a     Prefix  x-env=dev  (6)
//	*.foo.com  /         Prefix             (7)
//
// GET foo.com/v1 gets (2): a method outranks headers. PUT foo.com/v1 with
// x-env: dev gets (3), and with ?debug=1 too (4): more conditions first.
// PUT foo.com/v1 without x-env gets (1). POST foo.com/v1/a gets (5): the
// Exact path comes first. GET foo.com/v1/a with x-env: dev gets (6), the
// longer prefix, although (2) has a method; without x-env, (5) and (6) do
// not hold and it gets (2), the next prefix. a.b.foo.com/x gets (7); so
// does a.foo.com, but foo.com/other gets nothing: the exact host was
// selected and has no rule for it.
//
// # Normalisation
//
// Match expects a normalised host and path; MatchRequest does the work:
// NormalizeHost lower-cases the host, strips a port and one trailing dot.
// CleanPath works on the escaped path: it decodes only unreserved
// characters ("%7E" is "~", but "%2F" stays "%2F" and is not a separator),
// upper-cases other escapes, merges "//", and resolves "." and ".." (also
// when spelled "%2e"), keeping a trailing slash. A path that climbs above
// "/", has invalid percent-encoding or a NUL byte is an error wrapping
// ErrBadPath, for a 400 answer. MatchRequest returns the cleaned path, which
// the proxy forwards, so the backend serves exactly what was matched.
//
// # Conflicts
//
// New rejects invalid rules: every error is a *RuleError naming the rule's
// Origin (or its index), host and path, and they are joined with
// errors.Join. Duplicates are not errors: for two rules with the same host,
// path and type (after normalisation) and the same conditions, or two
// Default rules for the same host, the one with the earlier Tiebreak is
// kept, else the first one in the slice, and the other one is reported by
// Table.Conflicts, whose String names both origins, for a warning. Rules
// that differ in their conditions are not duplicates.
//
// # Introspection
//
// Table.String prints every rule in a stable order — exact hosts
// alphabetically, then wildcards, then hostless rules, each in precedence
// order — for golden files and a -check command. Table.Explain tells, rule
// by rule, why a request gets the answer it gets.
//
// # Performance
//
// Match does not allocate, and the work it does per request does not grow
// with the number of rules. A host is found with an open-addressing hash
// index: one slot (a hash tag and an offset) leads to the host's record in
// one contiguous arena, which holds the host name followed, for hosts with
// up to eight paths, by their path keys and rule numbers, longest key
// first: Match reads them once, and the first key that matches the request
// path (whole, or up to a "/") is the longest. Hosts with more paths index
// them in a second such hash index, where a Prefix match walks the request
// path's "/" boundaries from the longest prefix down, one lookup each.
// Indexes of 1,024 keys or more have a small Bloom filter in front, one
// 64-bit word per check, so that looking up what is not there (the exact
// host of a request that a wildcard answers, a boundary without a rule)
// costs no cache miss. Regexes are tried only on their own host, behind a
// literal-prefix check. StringPrefix rules, which only ingress-nginx
// mode makes, are looked up in a map once per distinct path length of the
// host's StringPrefix rules, longest first: their work grows with the
// number of distinct lengths, not of rules, and tables without them pay one
// flag test. What grows is cache misses, not work, and the
// layout keeps a typical Match to a slot line and a record's line or two.
//
// Measured with go test -bench -benchmem on a shared 2-core AMD EPYC VM
// (Go 1.26, linux/amd64). Rules: 70% exact hosts (about five rules per
// host), 20% wildcard hosts, 10% hostless; Exact and Prefix paths of 2–4
// segments; 2% regexes. Each request targets one rule, in turn. "linear"
// scans every rule per request with the same semantics; ServeMux is
// net/http's, given the rules it can express (no wildcards, no regexes).
// Table figures are medians of 10 interleaved runs of 200 ms on a quiet
// moment (load average 1.2) on 2026-11-22, the previous layout (no
// filters, one lookup per "/" boundary) in brackets; the others are
// single runs from an earlier day.
//
//	rules     Table                    linear              ServeMux
//	10        59.5 ns [64.0], 0 allocs  207 ns, 0 allocs    275 ns, 1 alloc
//	1,000     53.6 ns [59.0], 0 allocs  9.0 µs, 0 allocs    408 ns, 1 alloc
//	10,000    72.5 ns [83.4], 0 allocs   79 µs, 0 allocs    480 ns, 1 alloc
//	100,000    118 ns [131],  0 allocs  1.0 ms, 0 allocs    749 ns, 1 alloc
//
// 100,000 rules cost 1.99 times 10 rules (2.05 before). On a loaded
// machine the same code at 10 rules ranged from 60 to 1,300 ns, so only
// same-run comparisons mean anything. With and without the exact-host
// filter, same run: 65.6 against 71.7 ns at 10,000 rules.
//
// A cache simulation is steadier (valgrind --tool=callgrind --cache-sim=yes,
// 4 MB last-level, counting Match only): per Match at 100,000 rules, 690
// instructions and 3.15 last-level misses, of which about 1.3 are the
// benchmark's own request strings and 0.4 the cold regex programs; at 10
// rules, 820 instructions, all L1 hits. The gap between 10 and 100,000
// rules is misses that no index layout removes.
//
// Tried and dropped: host records in the hash buckets themselves. It
// removes the slot-to-record hop, but a typical host's keys do not fit a
// 64-byte bucket, so the hop moves to bucket-to-keys: the same misses, a
// 28% larger heap, and no measured gain.
//
// Predicates cost nothing where no rule has them: a host entry's record
// says whether any of its rules does, in the flag byte Match already tests
// for large entries, and only such entries take the slower walk, which
// tries the path candidates in precedence order and, at each, the rules of
// that path in Gateway API order until one holds. Its work grows with the
// rules on the request's path and the path's "/" boundaries, never with
// the table. A header condition is one map lookup by the canonical name
// computed by New; a query condition scans the raw query without decoding
// what it does not need. Neither allocates, except to decode an escaped
// query value or to join a header sent several times for a regex.
// MatchRequest passes the request's method, header and query by value, so
// a proxy calls it as before.
//
// Callgrind instruction counts per operation (the difference of two runs
// of 100,000 and 300,000 iterations, GOGC=off, GOMAXPROCS=1, whole
// program, on 2026-12-06), before predicates existed and after; the
// MatchRequest figure before is the mean of three runs (1,705 to 1,714):
//
//	Match, 10 rules                 822.7 -> 824.5
//	Match, 100,000 rules            704.8 -> 706.7
//	MatchRequest, 10,000 rules      1,710 -> 1,724
//
// and MatchRequest on the same tables with three condition variants (a
// method; a header; a header regex and a query parameter) on a quarter of
// their Prefix rules, requests spread over every rule: 1,665 against
// 2,469 instructions at 10 rules, 1,680 against 2,557 at 10,000, and no
// allocation.
//
// MatchRequest, with NormalizeHost and CleanPath, costs about 210 ns at
// 10,000 rules and does not allocate for paths without escapes; a path
// that EscapedPath must re-encode costs its allocation.
//
// New compiles 30,000 rules in about 50 ms (44 MB allocated on the way),
// and the resulting table holds about 2.5 MB of heap beyond the rules given
// to it. CleanPath returns a clean path in about 40 ns without allocating;
// a path that needs rewriting takes about 220 ns and two allocations.
package route
