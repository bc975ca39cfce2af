package ingress

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ingressmux/ingressmux/proxy"
)

// balanceRaw holds the balancing and session-affinity annotations of an
// Ingress as read; finishBalance turns them into the proxy.Balancing of
// its routes, keeping only what applies: with precedence as in
// ingress-nginx (cookie affinity, then upstream-hash-by, then
// load-balance), the losers are cleared with a warning. The zero value is
// round robin.
type balanceRaw struct {
	// LoadBalance is load-balance: "round_robin" or "ewma"; empty when
	// unset (round robin).
	LoadBalance string
	// HashBy is upstream-hash-by: the consistent-hashing key, nginx
	// variables and text such as "$request_uri" or "${http_x_user}-id".
	HashBy string
	// HashBySubset is upstream-hash-by-subset: the key picks a subset of
	// HashBySubsetSize endpoints, and each request a random endpoint of it.
	HashBySubset bool
	// HashBySubsetSize is upstream-hash-by-subset-size: 3 unless set; 0
	// without HashBySubset.
	HashBySubsetSize int
	// Affinity is affinity: "cookie", or empty.
	Affinity string
	// AffinityMode is affinity-mode: "balanced" (the default) or
	// "persistent"; empty without affinity.
	AffinityMode string
	// Cookie is the session-cookie-* annotations.
	Cookie sessionCookie
}

// sessionCookie is the cookie of session affinity.
type sessionCookie struct {
	// Name is session-cookie-name: "INGRESSCOOKIE" unless set.
	Name string
	// Path is session-cookie-path; empty means the path of each route ("/"
	// for regex paths).
	Path string
	// Domain is session-cookie-domain; empty sends no Domain.
	Domain string
	// SameSite is session-cookie-samesite: None, Lax, Strict, or zero
	// empty.
	SameSite http.SameSite
	// ConditionalSameSiteNone is session-cookie-conditional-samesite-none:
	// SameSite=None is left out for browsers known to reject it.
	ConditionalSameSiteNone bool
	// Secure is session-cookie-secure: always Secure, not only over HTTPS.
	Secure bool
	// MaxAge and Expires are session-cookie-max-age and
	// session-cookie-expires; zero when unset.
	MaxAge, Expires time.Duration
	// ChangeOnFailure is session-cookie-change-on-failure: a retry on
	// another endpoint moves the session there.
	ChangeOnFailure bool
}

// balanceAnnotations are the annotations that fill Policy.Balance.
var balanceAnnotations = map[string]annotation{
	"load-balance": {func(p *policy, v string) error {
		switch v {
		case "round_robin", "ewma":
			p.balanceRaw.LoadBalance = v
			return nil
		case "chash", "chashsubset":
			return fmt.Errorf(`supported values: "round_robin", "ewma"; %s is what ingress-nginx calls upstream-hash-by internally: set upstream-hash-by instead`, v)
		case "sticky_balanced", "sticky_persistent":
			return fmt.Errorf(`supported values: "round_robin", "ewma"; %s is what ingress-nginx calls cookie affinity internally: set affinity: "cookie" and affinity-mode instead`, v)
		}
		return errors.New(`supported values: "round_robin", "ewma"`)
	}},
	"upstream-hash-by": {func(p *policy, v string) error {
		if err := checkHashBy(v); err != nil {
			return err
		}
		p.balanceRaw.HashBy = v
		return nil
	}},
	"upstream-hash-by-subset": {boolInto(func(p *policy) *bool { return &p.balanceRaw.HashBySubset })},
	"upstream-hash-by-subset-size": {func(p *policy, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return errors.New("must be a whole number of endpoints from 1 to 1000")
		}
		p.balanceRaw.HashBySubsetSize = n
		return nil
	}},
	"affinity": {func(p *policy, v string) error {
		if v != "cookie" {
			return errors.New(`supported values: "cookie"`)
		}
		p.balanceRaw.Affinity = v
		return nil
	}},
	"affinity-mode": {func(p *policy, v string) error {
		if v != "balanced" && v != "persistent" {
			return errors.New(`supported values: "balanced", "persistent"`)
		}
		p.balanceRaw.AffinityMode = v
		return nil
	}},
	"session-cookie-name": {func(p *policy, v string) error {
		if !cookieToken.MatchString(v) {
			return errors.New("must be a cookie name: letters, digits and !#$%&'*+-.^_`|~")
		}
		p.balanceRaw.Cookie.Name = v
		return nil
	}},
	"session-cookie-path": {func(p *policy, v string) error {
		if !sessionCookiePath.MatchString(v) {
			return errors.New("must be a path starting with /, without spaces or semicolons")
		}
		p.balanceRaw.Cookie.Path = v
		return nil
	}},
	"session-cookie-domain": {func(p *policy, v string) error {
		d := strings.TrimPrefix(v, ".")
		if !hostName.MatchString(d) || strings.HasSuffix(d, ".") {
			return errors.New("must be a domain name such as example.com, optionally with a leading dot")
		}
		p.balanceRaw.Cookie.Domain = strings.ToLower(v)
		return nil
	}},
	"session-cookie-samesite": {func(p *policy, v string) error {
		for name, mode := range sameSiteModes {
			if strings.EqualFold(v, name) {
				p.balanceRaw.Cookie.SameSite = mode
				return nil
			}
		}
		return errors.New(`supported values: "None", "Lax", "Strict"`)
	}},
	"session-cookie-conditional-samesite-none": {boolInto(func(p *policy) *bool { return &p.balanceRaw.Cookie.ConditionalSameSiteNone })},
	"session-cookie-secure":                    {boolInto(func(p *policy) *bool { return &p.balanceRaw.Cookie.Secure })},
	"session-cookie-max-age":                   {secondsInto(func(p *policy) *time.Duration { return &p.balanceRaw.Cookie.MaxAge })},
	"session-cookie-expires":                   {secondsInto(func(p *policy) *time.Duration { return &p.balanceRaw.Cookie.Expires })},
	"session-cookie-change-on-failure":         {boolInto(func(p *policy) *bool { return &p.balanceRaw.Cookie.ChangeOnFailure })},
}

// sameSiteModes are the values of session-cookie-samesite.
var sameSiteModes = map[string]http.SameSite{"None": http.SameSiteNoneMode, "Lax": http.SameSiteLaxMode, "Strict": http.SameSiteStrictMode}

var (
	// cookieToken is a cookie name: an HTTP token.
	cookieToken = regexp.MustCompile("^[-!#$%&'*+.^_`|~0-9A-Za-z]+$")
	// sessionCookiePath is a Path attribute: printable ASCII but space and ";".
	sessionCookiePath = regexp.MustCompile(`^/[\x21-\x3a\x3c-\x7e]*$`)
	// hashBySyntax is ingress-nginx's validator for upstream-hash-by.
	hashBySyntax = regexp.MustCompile(`^[A-Za-z0-9\-_${}]+$`)
	// hashByVar is a variable of upstream-hash-by: $name or ${name}.
	hashByVar = regexp.MustCompile(`\$(\{[^}]*\}?|[A-Za-z0-9_]*)`)
	// varName is a lower-cased nginx variable name.
	varName = regexp.MustCompile(`^[a-z0-9_]+$`)
)

// hashByVars are the variables upstream-hash-by may use, besides those
// starting with hashByPrefixes. The proxy's list is the same.
var hashByVars = []string{"request_uri", "uri", "document_uri", "args", "query_string", "host",
	"remote_addr", "binary_remote_addr", "scheme", "request_method"}

// hashByPrefixes start the names of the variables of headers, cookies and
// query arguments, such as $http_x_user.
var hashByPrefixes = []string{"http_", "cookie_", "arg_"}

// checkHashBy checks an upstream-hash-by value: text and variables that
// the proxy knows (nginx knows many more, but they mean nothing here).
func checkHashBy(v string) error {
	if !hashBySyntax.MatchString(v) {
		return errors.New("must be nginx variables and text of letters, digits, - and _, such as $request_uri or ${http_x_user}-v1")
	}
	for _, m := range hashByVar.FindAllStringSubmatch(v, -1) {
		name := strings.ToLower(m[1])
		if strings.HasPrefix(name, "{") {
			if !strings.HasSuffix(name, "}") {
				return fmt.Errorf(`%q has no closing "}"`, m[0])
			}
			name = name[1 : len(name)-1]
		}
		if name == "" {
			return errors.New(`"$" must be followed by a variable name, such as $request_uri`)
		}
		if !varName.MatchString(name) {
			return fmt.Errorf("variable name %q may hold letters, digits and _ only", name)
		}
		known := false
		for _, k := range hashByVars {
			known = known || name == k
		}
		for _, pfx := range hashByPrefixes {
			known = known || strings.HasPrefix(name, pfx) && len(name) > len(pfx)
		}
		if !known {
			return fmt.Errorf("unknown variable $%s: supported variables are $%s, $http_NAME, $cookie_NAME, $arg_NAME",
				name, strings.Join(hashByVars, ", $"))
		}
	}
	return nil
}

// secondsInto parses a cookie lifetime in whole seconds.
func secondsInto(field func(*policy) *time.Duration) func(*policy, string) error {
	return func(p *policy, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > math.MaxInt32 {
			return errors.New("must be a whole number of seconds greater than 0, such as 172800")
		}
		*field(p) = time.Duration(n) * time.Second
		return nil
	}
}

// finishBalance applies defaults and precedence to the balancing
// annotations of ing, warning about every annotation that does not apply.
func (c *compiler) finishBalance(ing Ingress, p *policy) bool {
	b := &p.balanceRaw
	at := func(name string) string {
		return field.NewPath("metadata", "annotations").Key(c.opts.annotation(name)).String()
	}
	// Most Ingresses set no balancing annotation, which one pass over
	// their annotations tells: then only a name outside that list could
	// be set.
	named := c.setsAnnotationOf(ing, balanceAnnotations)
	ignore := func(because string, names ...string) {
		for _, name := range names {
			if _, balancing := balanceAnnotations[name]; balancing && !named {
				continue
			}
			if c.hasAnnotation(ing, name) {
				c.warn(ing, at(name), "ignored: "+because)
			}
		}
	}
	if b.Affinity == "" {
		ignore(`there is no affinity: "cookie"`, "affinity-mode", "session-cookie-name", "session-cookie-path",
			"session-cookie-domain", "session-cookie-samesite", "session-cookie-conditional-samesite-none",
			"session-cookie-secure", "session-cookie-max-age", "session-cookie-expires", "session-cookie-change-on-failure")
		b.AffinityMode, b.Cookie = "", sessionCookie{}
	} else {
		b.AffinityMode = cmp.Or(b.AffinityMode, "balanced")
		b.Cookie.Name = cmp.Or(b.Cookie.Name, "INGRESSCOOKIE")
		if b.Cookie.ConditionalSameSiteNone && b.Cookie.SameSite != http.SameSiteNoneMode {
			ignore(`it only applies to session-cookie-samesite: "None"`, "session-cookie-conditional-samesite-none")
			b.Cookie.ConditionalSameSiteNone = false
		}
		ignore("cookie affinity takes precedence, as in ingress-nginx", "upstream-hash-by", "upstream-hash-by-subset", "upstream-hash-by-subset-size")
		b.HashBy = ""
	}
	if b.HashBy == "" {
		if b.Affinity == "" {
			ignore("there is no upstream-hash-by", "upstream-hash-by-subset", "upstream-hash-by-subset-size")
		}
		b.HashBySubset, b.HashBySubsetSize = false, 0
	} else if !b.HashBySubset {
		ignore(`upstream-hash-by-subset is not "true"`, "upstream-hash-by-subset-size")
		b.HashBySubsetSize = 0
	} else if b.HashBySubsetSize == 0 {
		b.HashBySubsetSize = 3
	}
	if b.Affinity != "" || b.HashBy != "" {
		winner := "upstream-hash-by"
		if b.Affinity != "" {
			winner = "cookie affinity"
		}
		ignore(winner+" takes precedence, as in ingress-nginx", "load-balance")
		b.LoadBalance = ""
	}
	p.Balance = balancing(*b)
	return true
}

// balancing translates the balancing and affinity annotations, reduced to
// the one that applies, for the proxy.
func balancing(b balanceRaw) proxy.Balancing {
	var out proxy.Balancing
	if b.LoadBalance == "ewma" {
		out.Balance = proxy.EWMA
	}
	out.HashBy = b.HashBy
	if b.HashBySubset {
		out.HashSubsetSize = b.HashBySubsetSize
	}
	if b.Affinity != "cookie" {
		return out
	}
	c := b.Cookie
	a := &proxy.Affinity{
		Name:                    c.Name,
		Path:                    c.Path,
		Domain:                  c.Domain,
		ConditionalSameSiteNone: c.ConditionalSameSiteNone,
		Secure:                  c.Secure,
		MaxAge:                  c.MaxAge,
		Expires:                 c.Expires,
		ChangeOnFailure:         c.ChangeOnFailure,
		SameSite:                c.SameSite,
	}
	if b.AffinityMode == "persistent" {
		a.Mode = proxy.AffinityPersistent
	}
	out.Affinity = a
	return out
}

// hasAnnotation reports whether ing has the annotation name under the
// configured prefix, without building its key: finishBalance asks about a
// dozen names for every Ingress, which mostly have a few annotations.
func (c *compiler) hasAnnotation(ing Ingress, name string) bool {
	prefix := c.opts.annotationPrefix()
	for key := range ing.Annotations {
		if len(key) == len(prefix)+1+len(name) && key[len(prefix)] == '/' && key[len(prefix)+1:] == name && key[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}

// setsAnnotationOf reports whether ing has, under the configured prefix,
// an annotation of registry.
func (c *compiler) setsAnnotationOf(ing Ingress, registry map[string]annotation) bool {
	prefix := c.opts.annotationPrefix()
	for key := range ing.Annotations {
		if len(key) > len(prefix) && key[len(prefix)] == '/' && key[:len(prefix)] == prefix {
			if _, ok := registry[key[len(prefix)+1:]]; ok {
				return true
			}
		}
	}
	return false
}
