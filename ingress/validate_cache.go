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
	checkSubdomain:     validation.IsDNS1123Subdomain,
	checkDNS1035Label:  validation.IsDNS1035Label,
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
