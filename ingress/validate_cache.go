package ingress

import (
	"strings"
	"sync"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
)

// checkCache remembers the strings that passed apimachinery's string
// checks. A load repeats the same few strings in object after object (the
// namespaces, the annotation keys, the class name, the Services and port
// names its paths route to), and each check runs a regular expression: a
// string that passed once passes again, and is not checked again. A
// string that failed is checked every time, so errors are built as they
// always are.
type checkCache struct {
	passed [stringCheckCount]map[string]struct{}
}

// stringCheck names one of apimachinery's checks of a string.
type stringCheck int

const (
	checkNamespace     stringCheck = iota // a namespace name
	checkAnnotationKey                    // an annotation key, in any case
	checkSubdomain                        // a DNS-1123 subdomain: hosts, class and Secret names
	checkDNS1035Label                     // a Service name
	checkPortName                         // a port name
	stringCheckCount
)

var stringChecks = [stringCheckCount]func(string) []string{
	checkNamespace: func(s string) []string { return apivalidation.ValidateNamespaceName(s, false) },
	// apimachinery checks annotation keys as qualified names, less case.
	checkAnnotationKey: func(s string) []string { return validation.IsQualifiedName(strings.ToLower(s)) },
	checkSubdomain:     passedOr(isDNS1123Subdomain, validation.IsDNS1123Subdomain),
	checkDNS1035Label:  passedOr(isDNS1035Label, validation.IsDNS1035Label),
	checkPortName:      validation.IsValidPortName,
}

// maxRemembered bounds what one checkCache keeps of one check: once full
// it starts again, so that names that never repeat (most hosts) do not
// keep the ones that do out.
const maxRemembered = 4096

// check returns the messages of check which for s, as apimachinery gives
// them: none when s passes.
func (c *checkCache) check(which stringCheck, s string) []string {
	passed := c.passed[which]
	if _, ok := passed[s]; ok {
		return nil
	}
	msgs := stringChecks[which](s)
	if len(msgs) == 0 {
		switch {
		case passed == nil:
			passed = make(map[string]struct{})
			c.passed[which] = passed
		case len(passed) >= maxRemembered:
			clear(passed)
		}
		passed[s] = struct{}{}
	}
	return msgs
}

// checkCaches hold the checkCaches of finished validations, one per
// goroutine at work at a time, for the next.
var checkCaches = sync.Pool{New: func() any { return new(checkCache) }}

// passedOr returns a check that takes a string pass recognises as passing
// without running the apimachinery check full, and runs full for the
// others, so that every message is apimachinery's. Hosts and Service
// names are often unique to their Ingress, so the cache above does not
// spare their regular expressions, which were a third of validating.
// TestFastChecksAgree checks that pass never passes what full fails.
func passedOr(pass func(string) bool, full func(string) []string) func(string) []string {
	return func(s string) []string {
		if pass(s) {
			return nil
		}
		return full(s)
	}
}

// isDNS1035Label reports whether s matches apimachinery's DNS-1035 label:
// [a-z]([-a-z0-9]*[a-z0-9])?, at most 63 characters.
func isDNS1035Label(s string) bool {
	return len(s) <= 63 && s != "" && 'a' <= s[0] && s[0] <= 'z' && isDNS1123Label(s)
}

// isDNS1123Subdomain reports whether s matches apimachinery's DNS-1123
// subdomain: labels [a-z0-9]([-a-z0-9]*[a-z0-9])? joined by dots, at most
// 253 characters.
func isDNS1123Subdomain(s string) bool {
	if len(s) > 253 {
		return false
	}
	for {
		label, rest, more := strings.Cut(s, ".")
		if !isDNS1123Label(label) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// isDNS1123Label reports whether s matches [a-z0-9]([-a-z0-9]*[a-z0-9])?,
// whatever its length.
func isDNS1123Label(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Object names are checked as apimachinery's name functions check them,
// those that pass recognised first (see passedOr): names are unique.
var (
	nameIsDNSSubdomain = fastName(isDNS1123Subdomain, apivalidation.NameIsDNSSubdomain)
	nameIsDNS1035Label = fastName(isDNS1035Label, apivalidation.NameIsDNS1035Label)
)

func fastName(pass func(string) bool, full apivalidation.ValidateNameFunc) apivalidation.ValidateNameFunc {
	return func(name string, prefix bool) []string {
		if !prefix && pass(name) {
			return nil
		}
		return full(name, prefix)
	}
}
