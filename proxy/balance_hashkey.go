package proxy

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/ingressmux/ingressmux/route"
)

// The key of upstream-hash-by: nginx variables and text, interpolated per
// request. The key is never built as a string: its parts are fed to the
// hash one after the other, so that hashing a request allocates nothing.

// hashKey is a parsed Balancing.HashBy.
type hashKey struct {
	parts []keyPart
}

// keyPart is literal text or a variable of a hash key.
type keyPart struct {
	v    keyVar
	text string // the literal; the header, cookie or argument name
}

// keyVar is the kind of a key part.
type keyVar uint8

const (
	keyText       keyVar = iota
	keyRequestURI        // $request_uri: path and query as the client sent them
	keyURI               // $uri, $document_uri: the cleaned path that was matched
	keyArgs              // $args, $query_string: the raw query
	keyHost              // $host: the Host, lower-cased, without port
	keyRemoteAddr        // $remote_addr, $binary_remote_addr: the client's address
	keyScheme            // $scheme: http or https, of the client connection
	keyMethod            // $request_method
	keyHeader            // $http_NAME
	keyCookie            // $cookie_NAME
	keyArg               // $arg_NAME
)

// keyVars are the variables with fixed names.
var keyVars = map[string]keyVar{
	"request_uri":        keyRequestURI,
	"uri":                keyURI,
	"document_uri":       keyURI,
	"args":               keyArgs,
	"query_string":       keyArgs,
	"host":               keyHost,
	"remote_addr":        keyRemoteAddr,
	"binary_remote_addr": keyRemoteAddr,
	"scheme":             keyScheme,
	"request_method":     keyMethod,
}

// keyVarList names the supported variables, for errors.
const keyVarList = "$request_uri, $uri, $document_uri, $args, $query_string, $host, $remote_addr, $binary_remote_addr, $scheme, $request_method, $http_NAME, $cookie_NAME, $arg_NAME"

// parseHashKey parses an upstream-hash-by value: text of letters, digits,
// "-" and "_" (ingress-nginx's validator), and variables written $name or
// ${name}. Variable names are case-insensitive, as in nginx.
func parseHashKey(s string) (*hashKey, error) {
	if s == "" {
		return nil, errors.New("empty key")
	}
	k := &hashKey{}
	text := func(t string) {
		if t == "" {
			return
		}
		if n := len(k.parts); n > 0 && k.parts[n-1].v == keyText {
			k.parts[n-1].text += t
			return
		}
		k.parts = append(k.parts, keyPart{v: keyText, text: t})
	}
	for s != "" {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			i = len(s)
		}
		for _, c := range []byte(s[:i]) {
			if !isKeyText(c) {
				return nil, fmt.Errorf("%q is not allowed: text may hold letters, digits, - and _, and variables such as $request_uri or ${http_x_user}", c)
			}
		}
		text(s[:i])
		if s = s[i:]; s == "" {
			break
		}
		name, rest, err := cutVarName(s[1:])
		if err != nil {
			return nil, err
		}
		part, err := keyVarPart(strings.ToLower(name))
		if err != nil {
			return nil, err
		}
		k.parts = append(k.parts, part)
		s = rest
	}
	return k, nil
}

// cutVarName splits the name of a variable off s, the text after a "$".
func cutVarName(s string) (name, rest string, err error) {
	if strings.HasPrefix(s, "{") {
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return "", "", errors.New(`"${" without its closing "}"`)
		}
		name, rest = s[1:end], s[end+1:]
	} else {
		n := 0
		for n < len(s) && isVarChar(s[n]) {
			n++
		}
		name, rest = s[:n], s[n:]
	}
	if name == "" {
		return "", "", errors.New(`"$" must be followed by a variable name, such as $request_uri`)
	}
	for _, c := range []byte(name) {
		if !isVarChar(c) {
			return "", "", fmt.Errorf("variable name %q may hold letters, digits and _ only", name)
		}
	}
	return name, rest, nil
}

// keyVarPart returns the part for the lower-cased variable name.
func keyVarPart(name string) (keyPart, error) {
	if v, ok := keyVars[name]; ok {
		return keyPart{v: v}, nil
	}
	for _, p := range []struct {
		prefix string
		v      keyVar
	}{{"http_", keyHeader}, {"cookie_", keyCookie}, {"arg_", keyArg}} {
		if rest, ok := strings.CutPrefix(name, p.prefix); ok && rest != "" {
			if p.v == keyHeader {
				// nginx's $http_x_user is the X-User header.
				rest = textproto.CanonicalMIMEHeaderKey(strings.ReplaceAll(rest, "_", "-"))
			}
			return keyPart{v: p.v, text: rest}, nil
		}
	}
	if name[0] >= '0' && name[0] <= '9' {
		return keyPart{}, fmt.Errorf("$%s: there are no regex capture groups in upstream-hash-by", name)
	}
	return keyPart{}, fmt.Errorf("unknown variable $%s: supported variables are %s", name, keyVarList)
}

func isVarChar(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// isKeyText reports whether c may appear as text in a key: ingress-nginx
// allows letters, digits, "-", "_", "{" and "}".
func isKeyText(c byte) bool {
	return isVarChar(c) || c == '-' || c == '{' || c == '}'
}

// sum hashes the key of in. It reports false when the key is empty: every
// variable in it is and there is no text.
func (k *hashKey) sum(in *pickInput) (uint64, bool) {
	h := newHasher()
	r := in.r
	for _, p := range k.parts {
		switch p.v {
		case keyText:
			h.add(p.text)
		case keyRequestURI:
			h.add(requestURI(r))
		case keyURI:
			h.add(in.path)
		case keyArgs:
			h.add(r.URL.RawQuery)
		case keyHost:
			h.add(route.NormalizeHost(r.Host)) // lower-cased, without the port
		case keyRemoteAddr:
			h.addClientAddr(in)
		case keyScheme:
			if r.TLS != nil {
				h.add("https")
			} else {
				h.add("http")
			}
		case keyMethod:
			h.add(r.Method)
		case keyHeader:
			h.addHeader(r, p.text)
		case keyCookie:
			v, _ := cookieValue(r.Header, p.text, true)
			h.add(v)
		case keyArg:
			h.add(queryArg(r.URL.RawQuery, p.text))
		}
	}
	return h.sum(), h.n > 0
}

// requestURI returns the path and query as the client sent them, as
// nginx's $request_uri: without the scheme and host of an absolute-form
// request line.
func requestURI(r *http.Request) string {
	u := r.RequestURI
	if u == "" {
		return r.URL.RequestURI()
	}
	if u[0] != '/' {
		if _, rest, ok := strings.Cut(u, "://"); ok {
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				return rest[i:]
			}
			return "/"
		}
	}
	return u
}

// addHeader adds the value of the header key (canonical) as nginx's
// $http_NAME gives it: several lines joined by ", ", or "; " for Cookie.
func (h *hasher) addHeader(r *http.Request, key string) {
	if key == "Host" {
		h.add(r.Host) // net/http moves Host out of Header
		return
	}
	sep := ", "
	if key == "Cookie" {
		sep = "; "
	}
	for i, v := range r.Header[key] {
		if i > 0 {
			h.add(sep)
		}
		h.add(v)
	}
}

// addClientAddr adds the client's address: the peer's, or the forwarded
// one when the peer is a trusted proxy, as nginx's realip module gives
// $remote_addr.
func (h *hasher) addClientAddr(in *pickInput) {
	if !in.peer.trusted {
		h.add(in.peer.ip)
		return
	}
	a, ok := clientAddr(in.r, in.peer, in.trusted)
	if !ok {
		h.add(in.peer.ip)
		return
	}
	var buf [64]byte
	h.addBytes(a.AppendTo(buf[:0]))
}

// cookieValue returns the value of the first cookie called name in the
// Cookie lines of hdr, comparing names case-insensitively when fold is set
// (as nginx's $cookie_NAME does). The value is as sent, quotes included.
func cookieValue(hdr http.Header, name string, fold bool) (string, bool) {
	for _, line := range hdr["Cookie"] {
		for line != "" {
			var pair string
			pair, line, _ = strings.Cut(line, ";")
			k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
			if k == name || fold && strings.EqualFold(k, name) {
				return v, true
			}
		}
	}
	return "", false
}

// queryArg returns the raw value of the first query argument called name,
// compared case-insensitively, as nginx's $arg_NAME does.
func queryArg(query, name string) string {
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		if k, v, _ := strings.Cut(pair, "="); strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
