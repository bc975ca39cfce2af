package proxy

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/ingressmux/ingressmux/route"
)

// template is a string with nginx variables, such as
// "https://$host/oauth2/start?rd=$escaped_request_uri", parsed once. Only
// the variables in TemplateVariables are known; they are what
// ingress-nginx's auth annotations are used with.
type template []templatePart

type templatePart struct {
	lit string
	v   templateVar // varNone for a literal
	arg string      // the header, cookie or query parameter of varHeader, varCookie, varArg
}

type templateVar uint8

const (
	varNone templateVar = iota
	varScheme
	varHost
	varHTTPHost
	varRequestURI
	varEscapedRequestURI
	varURI
	varArgs
	varMethod
	varRemoteAddr
	varRemoteUser
	varHeader
	varCookie
	varArg
)

// TemplateVariables lists the nginx variables that ExternalAuth's SignIn,
// RequestRedirect and CacheKey may use, as $name or ${name}:
//
//	$scheme               http or https, as the client used (X-Forwarded-Proto from a trusted proxy)
//	$host                 the request's host, lower-case, without port
//	$http_host            the Host header as sent
//	$request_uri          the path and query as sent
//	$escaped_request_uri  $request_uri with everything but letters, digits and -._~ escaped
//	$uri                  the decoded path
//	$args, $query_string  the query, without "?"
//	$request_method       the method
//	$remote_addr          the client's address
//	$remote_user          the user name of Basic credentials
//	$http_NAME            the request header NAME, with "_" for "-" (e.g. $http_authorization)
//	$cookie_NAME          the cookie NAME
//	$arg_NAME             the query parameter NAME
const TemplateVariables = "scheme host http_host request_uri escaped_request_uri uri args query_string request_method remote_addr remote_user http_* cookie_* arg_*"

var templateVars = map[string]templateVar{
	"scheme": varScheme, "host": varHost, "http_host": varHTTPHost, "request_uri": varRequestURI,
	"escaped_request_uri": varEscapedRequestURI, "uri": varURI, "args": varArgs, "query_string": varArgs,
	"request_method": varMethod, "remote_addr": varRemoteAddr, "remote_user": varRemoteUser,
}

// parseTemplate parses s.
func parseTemplate(s string) (template, error) {
	var t template
	for s != "" {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			t = append(t, templatePart{lit: s})
			break
		}
		if i > 0 {
			t = append(t, templatePart{lit: s[:i]})
		}
		s = s[i+1:]
		var name string
		if rest, ok := strings.CutPrefix(s, "{"); ok {
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return nil, fmt.Errorf("unterminated ${ at %q", "$"+s)
			}
			name, s = rest[:end], rest[end+1:]
		} else {
			n := 0
			for n < len(s) && isVarByte(s[n]) {
				n++
			}
			name, s = s[:n], s[n:]
		}
		if name == "" || strings.IndexFunc(name, func(r rune) bool { return r > 0x7f || !isVarByte(byte(r)) }) >= 0 {
			return nil, fmt.Errorf("invalid variable name %q after $", name)
		}
		p, ok := templateVariable(name)
		if !ok {
			return nil, fmt.Errorf("unknown variable $%s; known: %s", name, TemplateVariables)
		}
		t = append(t, p)
	}
	return t, nil
}

func isVarByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// templateVariable returns the part for the variable name.
func templateVariable(name string) (templatePart, bool) {
	name = strings.ToLower(name)
	if v, ok := templateVars[name]; ok {
		return templatePart{v: v}, true
	}
	for _, p := range []struct {
		prefix string
		v      templateVar
	}{{"http_", varHeader}, {"cookie_", varCookie}, {"arg_", varArg}} {
		if arg, ok := strings.CutPrefix(name, p.prefix); ok && arg != "" {
			if p.v == varHeader {
				arg = http.CanonicalHeaderKey(strings.ReplaceAll(arg, "_", "-"))
			}
			return templatePart{v: p.v, arg: arg}, true
		}
	}
	return templatePart{}, false
}

// reqInfo is what templates read about a request.
type reqInfo struct {
	r      *http.Request
	scheme string
	client string // the client's address, "" when unknown
}

// requestURI returns the request's target as sent.
func (ri *reqInfo) requestURI() string {
	if u := ri.r.RequestURI; strings.HasPrefix(u, "/") {
		return u
	}
	return ri.r.URL.RequestURI() // absolute-form, or a request built in a test
}

// expand renders t for the request.
func (t template) expand(ri *reqInfo) string {
	var b strings.Builder
	r := ri.r
	for _, p := range t {
		switch p.v {
		case varNone:
			b.WriteString(p.lit)
		case varScheme:
			b.WriteString(ri.scheme)
		case varHost:
			b.WriteString(strings.ToLower(route.NormalizeHost(r.Host)))
		case varHTTPHost:
			b.WriteString(r.Host)
		case varRequestURI:
			b.WriteString(ri.requestURI())
		case varEscapedRequestURI:
			b.WriteString(escapeComponent(ri.requestURI()))
		case varURI:
			b.WriteString(r.URL.Path)
		case varArgs:
			b.WriteString(r.URL.RawQuery)
		case varMethod:
			b.WriteString(r.Method)
		case varRemoteAddr:
			b.WriteString(ri.client)
		case varRemoteUser:
			user, _, _ := r.BasicAuth()
			b.WriteString(user)
		case varHeader:
			b.WriteString(r.Header.Get(p.arg))
		case varCookie:
			// Names compare case-insensitively, as in nginx: the name was
			// lower-cased at load time.
			v, _ := cookieValue(r.Header, p.arg, true)
			b.WriteString(v)
		case varArg:
			b.WriteString(queryArg(r.URL.RawQuery, p.arg))
		}
	}
	return b.String()
}

// escapeComponent percent-encodes everything in s but the unreserved
// characters of RFC 3986, so that s can be one query parameter's value.
func escapeComponent(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
