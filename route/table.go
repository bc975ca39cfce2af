package route

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// compiled is a validated rule awaiting placement.
type compiled struct {
	rule  Rule
	re    *regexp.Regexp
	lit   string // see regexRule.lit
	exact bool   // see regexRule.exact
	pred  *predicates
	index int // position in the slice given to New
}

type dupKey struct {
	host, path string
	typ        PathType
	pred       string // predicates.signature
}

// Options change how NewWithOptions orders rules. The zero value is what
// New does.
type Options struct {
	// RegexInOrder tries the Regex rules of each host in the order they are
	// given, instead of longest pattern first. A caller that reproduces
	// another router's order (ingress-nginx's generated locations, which
	// are sorted by the paths as written before some are expanded) puts
	// the rules in that order and sets it.
	RegexInOrder bool
	// DeepWildcards lists wildcard hosts ("*.foo.com") that cover any
	// number of extra labels ("a.b.foo.com" too), as nginx's server_name
	// "*.foo.com" does. A request host is looked up among them after the
	// exact hosts and before the one-label wildcards, the longest suffix
	// first, as nginx tries its wildcard names before its regex names.
	DeepWildcards []string
	// SpecificWildcardsFirst tries a one-label wildcard ("*.b.foo.com")
	// before the deep wildcards of shorter suffixes ("*.foo.com"), so that
	// the most specific wildcard covering a host wins, as Gateway API and
	// the Ingress specification order hostnames, in a table where both
	// kinds meet (Gateway API routes beside Ingresses). Without it, every
	// deep wildcard comes first, as nginx tries its wildcard names before
	// its regex names.
	SpecificWildcardsFirst bool
}

// New validates and compiles rules into a Table.
//
// Every invalid rule is reported, each as a *RuleError, joined with
// errors.Join; then the Table is nil. A rule with the same host, path and
// type as an earlier one (or a second Default for a host) is not an error:
// the earlier rule wins and the later one is listed by Table.Conflicts.
func New(rules []Rule) (*Table, error) {
	return NewWithOptions(rules, Options{})
}

// NewWithOptions is New with options.
func NewWithOptions(rules []Rule, opts Options) (*Table, error) {
	p, err := Prepare(rules, opts)
	if err != nil {
		return nil, err
	}
	return p.Table(), nil
}

// Prepare validates, normalises and de-duplicates rules as NewWithOptions
// does, and stops short of laying them out: Prepared.Table lays them out
// alone, Join with the rules of other Prepared values. The error is
// NewWithOptions's.
func Prepare(rules []Rule, opts Options) (*Prepared, error) {
	var errs []error
	valid := make([]compiled, 0, len(rules))
	seen := make(map[dupKey]int, len(rules)) // index into valid
	var conflicts []Conflict
	for i, r := range rules {
		c, bad := compileRule(r)
		for _, err := range bad {
			errs = append(errs, &RuleError{Index: i, Rule: r, Err: err})
		}
		if len(bad) > 0 {
			continue
		}
		c.index = i
		k := dupKey{c.rule.Host, c.rule.Path, c.rule.Type, c.pred.signature()}
		if j, ok := seen[k]; ok {
			// The same conditions: only one can ever answer, the one with
			// the earlier Tiebreak, else the earlier one in the slice.
			if c.rule.conditions().Tiebreak.compare(valid[j].rule.conditions().Tiebreak) < 0 {
				valid[j], c = c, valid[j]
			}
			conflicts = append(conflicts, Conflict{Kept: valid[j].rule, Dropped: c.rule, Index: c.index})
			continue
		}
		seen[k] = len(valid)
		valid = append(valid, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &Prepared{valid: valid, conflicts: conflicts, opts: opts}, nil
}

// compileRule returns r with its host and path normalised and its regex
// compiled, or what is wrong with its host and with its path.
// CheckRule returns what NewWithOptions would refuse in r on its own: its
// host, its path for its type (a regular expression that does not
// compile, say) and its conditions. A front end checks a rule with it to
// report the problem on the field of the object that wrote it.
func CheckRule(r Rule) []error {
	_, errs := compileRule(r)
	return errs
}

func compileRule(r Rule) (compiled, []error) {
	var errs []error
	host, err := normRuleHost(r.Host)
	if err != nil {
		errs = append(errs, err)
	}
	r.Host = host
	r.Conditions = r.Conditions.clone()
	c, err := compilePath(r)
	if err != nil {
		errs = append(errs, err)
	}
	pred, bad := compilePredicates(r)
	c.pred = pred
	return c, append(errs, bad...)
}

// compilePath normalises r.Path according to r.Type.
func compilePath(r Rule) (compiled, error) {
	var err error
	c := compiled{rule: r}
	switch r.Type {
	case Exact, Prefix, StringPrefix:
		if !strings.HasPrefix(r.Path, "/") {
			return c, fmt.Errorf("%s path must start with \"/\"", r.Type)
		}
		p, err := CleanPath(r.Path)
		if err != nil {
			var pe *pathError
			if errors.As(err, &pe) {
				return c, fmt.Errorf("invalid path: %s", pe.reason)
			}
			return c, err
		}
		c.rule.Path = p
	case Regex:
		c.re, c.lit, err = compileRegex(r.Path)
		if err != nil {
			return c, err
		}
	case RegularExpression:
		c.re, c.lit, err = compileFullRegex(r.Path)
		if err != nil {
			return c, err
		}
		c.exact = true
	case Default:
		if r.Path != "" {
			return c, errors.New("a Default rule must have an empty path")
		}
	default:
		return c, fmt.Errorf("unknown path type %s (want Prefix, Exact, Regex, RegularExpression, StringPrefix or Default)", r.Type)
	}
	return c, nil
}

// normRuleHost lower-cases a rule host, strips one trailing dot and checks
// it is a DNS-style name, optionally with "*." as the whole first label.
func normRuleHost(h string) (string, error) {
	if h == "" {
		return "", nil
	}
	if strings.ContainsAny(h, ":[]") {
		return "", errors.New("invalid host: must be a DNS name without a port")
	}
	h = lowerASCII(h)
	h = strings.TrimSuffix(h, ".")
	name := strings.TrimPrefix(h, "*.")
	if len(name) == 0 || len(name) > 253 {
		return "", errors.New("invalid host: must be a DNS name of 1 to 253 characters")
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" {
			return "", errors.New("invalid host: empty label")
		}
		if len(label) > 63 {
			return "", fmt.Errorf("invalid host: label %q is longer than 63 characters", label)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
			case c == '*':
				return "", errors.New("invalid host: \"*\" is only allowed as the whole first label, as in \"*.foo.com\"")
			case c >= 0x80:
				return "", errors.New("invalid host: non-ASCII name; use its punycode (xn--) form")
			default:
				return "", fmt.Errorf("invalid host: character %q is not allowed", c)
			}
		}
	}
	return h, nil
}

// Conflicts returns the rules New dropped as duplicates, in input order.
func (t *Table) Conflicts() []Conflict {
	return slices.Clone(t.conflicts)
}

// Options returns the options the table was built with, so that a table
// rebuilt from Rules (with other Values) matches the same way.
func (t *Table) Options() Options {
	o := t.opts
	if t.sharded != nil {
		o = t.sharded.opts
	}
	o.DeepWildcards = slices.Clone(o.DeepWildcards)
	return o
}

// Rules returns a copy of the table's rules in normalised form, in the
// order of String: by host entry, then in precedence order.
func (t *Table) Rules() []Rule {
	if t.sharded != nil {
		return t.ruleList() // assembled for this call: a copy already
	}
	return slices.Clone(t.rules)
}

// Len returns the number of rules in the table, the global Default
// included, without copying them as Rules does.
func (t *Table) Len() int {
	switch {
	case t == nil:
		return 0
	case t.sharded != nil:
		return t.sharded.n
	}
	return len(t.rules)
}
