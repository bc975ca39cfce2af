package route

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// regexRule is a compiled Regex rule in a host entry's try order.
type regexRule struct {
	// lit is a lower-case ASCII literal every match starts with (compared
	// case-insensitively); it lets Match skip most non-matching regexes
	// without running them.
	lit  string
	re   *regexp.Regexp
	rule *Rule
	num  int32 // rule's number (see pathRules)
	// exact makes lit a case-sensitive literal (RegularExpression rules).
	exact bool
}

// maybe reports whether the literal pre-check lets path through.
func (rx *regexRule) maybe(path string) bool {
	if rx.exact {
		return strings.HasPrefix(path, rx.lit)
	}
	return hasPrefixFold(path, rx.lit)
}

// compileRegex compiles a Regex path the way ingress-nginx uses it:
// case-insensitive and anchored at the start only. It also returns the
// literal every match starts with, in lower case, for a cheap pre-check.
func compileRegex(p string) (*regexp.Regexp, string, error) {
	// Parse the pattern alone first: error positions then refer to what the
	// user wrote, and a stray ")" cannot escape the anchoring group below.
	tree, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return nil, "", fmt.Errorf("invalid regex: %w%s", err, regexHint(err))
	}
	re, err := regexp.Compile(`(?i)^(?:` + p + `)`)
	if err != nil {
		return nil, "", fmt.Errorf("invalid regex: %w", err)
	}
	return re, leadingLiteral(tree), nil
}

// leadingLiteral returns, lower-cased, the ASCII literal that starts every
// match of tree. It stops before "k" and "s", whose case-folds include
// non-ASCII runes (the Kelvin sign, the long s) that a byte-wise comparison
// would miss; any shorter prefix is still a correct pre-check.
func leadingLiteral(tree *syntax.Regexp) string {
	tree = firstElement(tree)
	if tree.Op != syntax.OpLiteral {
		return ""
	}
	var b []byte
	for _, c := range tree.Rune {
		if c >= 0x80 || c == 'k' || c == 'K' || c == 's' || c == 'S' {
			break
		}
		b = append(b, lowerByte(byte(c)))
	}
	return string(b)
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// regexHint explains RE2's refusals that usually come from PCRE habits.
func regexHint(err error) string {
	var se *syntax.Error
	if !errors.As(err, &se) {
		return ""
	}
	switch {
	case se.Code == syntax.ErrInvalidPerlOp,
		se.Code == syntax.ErrInvalidNamedCapture && (strings.HasPrefix(se.Expr, "(?<=") || strings.HasPrefix(se.Expr, "(?<!")):
		return " (RE2 does not support look-around such as (?=...), (?!...), (?<=...) or atomic groups; match more loosely or add an Exact or Prefix rule)"
	case se.Code == syntax.ErrInvalidEscape && len(se.Expr) == 2 && strings.IndexByte("123456789kg", se.Expr[1]) >= 0:
		return " (RE2 does not support back-references such as \\1; spell the repeated part out)"
	case se.Code == syntax.ErrInvalidRepeatOp:
		return " (RE2 does not support possessive quantifiers such as a++)"
	}
	return ""
}

// compareRegexOrder is the regex try order: longest pattern first, ties in
// reverse lexicographic order, as ingress-nginx sorts its locations.
func compareRegexOrder(a, b string) int {
	if len(a) != len(b) {
		return len(b) - len(a)
	}
	return strings.Compare(b, a)
}

// hasPrefixFold reports whether s starts with lit, a lower-case ASCII
// string, ignoring ASCII case.
func hasPrefixFold(s, lit string) bool {
	if len(s) < len(lit) {
		return false
	}
	for i := 0; i < len(lit); i++ {
		if lowerByte(s[i]) != lit[i] {
			return false
		}
	}
	return true
}

// compileFullRegex compiles a Gateway API regular expression: RE2,
// case-sensitive, matching the whole string. It also returns the literal
// every match starts with.
func compileFullRegex(p string) (*regexp.Regexp, string, error) {
	tree, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return nil, "", fmt.Errorf("invalid regex: %w%s", err, regexHint(err))
	}
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		return nil, "", fmt.Errorf("invalid regex: %w", err)
	}
	return re, exactLiteral(tree), nil
}

// exactLiteral returns the literal every match of tree starts with, for a
// case-sensitive expression; "" when there is none or case folding is on.
func exactLiteral(tree *syntax.Regexp) string {
	tree = firstElement(tree)
	if tree.Op != syntax.OpLiteral || tree.Flags&syntax.FoldCase != 0 {
		return ""
	}
	return string(tree.Rune)
}

// firstElement returns the part of tree where every match starts: the
// first element of a concatenation or a group, recursively.
func firstElement(tree *syntax.Regexp) *syntax.Regexp {
	for (tree.Op == syntax.OpConcat || tree.Op == syntax.OpCapture) && len(tree.Sub) > 0 {
		tree = tree.Sub[0]
	}
	return tree
}
