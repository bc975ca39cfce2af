package route

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrBadPath is wrapped by every error about a request path that cannot be
// normalised. A proxy answers such requests with 400 Bad Request.
var ErrBadPath = errors.New("route: malformed request path")

// pathError says why a path is malformed; it wraps ErrBadPath.
type pathError struct {
	path   string
	reason string
}

func (e *pathError) Error() string {
	return ErrBadPath.Error() + " " + strconv.Quote(e.path) + ": " + e.reason
}

func (e *pathError) Unwrap() error { return ErrBadPath }

func badPath(p string, format string, args ...any) error {
	return &pathError{path: p, reason: fmt.Sprintf(format, args...)}
}

// Byte classes for CleanPath, indexed by byte value.
const (
	clsPlain  = iota // may appear raw in an escaped path
	clsEscape        // must be percent-encoded (space, controls, non-ASCII, "#<>?\^`{|})
)

var (
	rawClass        [256]uint8 // how a raw byte is treated
	unreservedClass [256]bool  // RFC 3986 unreserved: ALPHA DIGIT - . _ ~
)

func init() {
	for c := 0; c < 256; c++ {
		switch {
		case c < 0x21 || c >= 0x7f || strings.IndexByte("\"#<>?\\^`{|}", byte(c)) >= 0:
			rawClass[c] = clsEscape
		default:
			rawClass[c] = clsPlain
		}
		unreservedClass[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~'
	}
}

const upperHex = "0123456789ABCDEF"

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// CleanPath normalises an escaped request path (as from
// url.URL.EscapedPath) so that equivalent spellings match the same rules:
//
//   - "" becomes "/"; any other path must start with "/";
//   - percent-encoded unreserved characters (ALPHA, DIGIT, "-", ".", "_",
//     "~") are decoded; other escapes stay encoded with upper-case hex, so
//     "%2f" becomes "%2F", which is not a path separator;
//   - bytes that may not appear raw in a URL path (controls, space,
//     non-ASCII, and `"#<>?\^{|}` and the backquote) are percent-encoded;
//   - repeated slashes are merged;
//   - "." and ".." segments are resolved, after decoding, so "%2e%2e" is
//     "..", and a trailing slash is kept ("/a/b/." becomes "/a/b/").
//
// A path that climbs above "/", holds a NUL byte (raw or "%00") or has invalid
// percent-encoding gives an error wrapping ErrBadPath. An already clean path
// is returned as is, without allocating.
func CleanPath(escaped string) (string, error) {
	if escaped == "" {
		return "/", nil
	}
	if escaped[0] != '/' {
		return "", badPath(escaped, "must start with \"/\"")
	}
	if isClean(escaped) {
		return escaped, nil
	}
	return cleanSlow(escaped)
}

// isClean reports whether CleanPath would return s unchanged. It answers
// false for anything doubtful, including errors, and leaves those to
// cleanSlow. s starts with "/".
func isClean(s string) bool {
	seg := 1 // start of the current segment
	for i := 1; i <= len(s); i++ {
		if i == len(s) || s[i] == '/' {
			switch s[seg:i] {
			case "":
				if i < len(s) { // "//"; an empty last segment is a trailing slash
					return false
				}
			case ".", "..":
				return false
			}
			seg = i + 1
			continue
		}
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) {
				return false
			}
			hi, lo := s[i+1], s[i+2]
			h, ok1 := unhex(hi)
			l, ok2 := unhex(lo)
			v := h<<4 | l
			if !ok1 || !ok2 || v == 0 || unreservedClass[v] || hi != upperHex[h] || lo != upperHex[l] {
				return false
			}
			i += 2
			continue
		}
		if c == 0 || rawClass[c] != clsPlain {
			return false
		}
	}
	return true
}

// cleanSlow is CleanPath for paths that need rewriting or are malformed.
func cleanSlow(s string) (string, error) {
	// Pass 1: percent-decoding and encoding, so that dot segments spelled
	// with escapes are seen as such.
	d := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0:
			return "", badPath(s, "NUL byte at byte %d", i)
		case c == '%':
			if i+2 >= len(s) {
				return "", badPath(s, "invalid percent-encoding at byte %d", i)
			}
			h, ok1 := unhex(s[i+1])
			l, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", badPath(s, "invalid percent-encoding at byte %d", i)
			}
			v := h<<4 | l
			switch {
			case v == 0:
				return "", badPath(s, "encoded NUL byte at byte %d", i)
			case unreservedClass[v]:
				d = append(d, v)
			default:
				d = append(d, '%', upperHex[h], upperHex[l])
			}
			i += 2
		case rawClass[c] == clsEscape:
			d = append(d, '%', upperHex[c>>4], upperHex[c&15])
		default:
			d = append(d, c)
		}
	}

	// Pass 2: segments, compacted in place: out never grows past the
	// bytes of d already read, and d[0] is the leading "/". out always ends
	// in "/" while we work.
	out := d[:1]
	trailing := false
	for i := 1; i <= len(d); {
		j := i
		for j < len(d) && d[j] != '/' {
			j++
		}
		switch seg := d[i:j]; string(seg) {
		case "", ".":
			trailing = true
		case "..":
			if len(out) == 1 {
				return "", badPath(s, "\"..\" climbs above the root")
			}
			k := len(out) - 2
			for out[k] != '/' {
				k--
			}
			out = out[:k+1]
			trailing = true
		default:
			out = append(out, seg...)
			out = append(out, '/')
			trailing = false
		}
		i = j + 1
	}
	if !trailing && len(out) > 1 {
		out = out[:len(out)-1]
	}
	return string(out), nil
}

// NormalizeHost returns host as rules compare it: lower-cased (ASCII only),
// without a ":port" (also for "[::1]:80", which gives "[::1]"), and without
// one trailing dot. It does not allocate when host is already lower-case
// with no port and no trailing dot.
func NormalizeHost(host string) string {
	if len(host) > 0 && host[0] == '[' {
		if i := strings.IndexByte(host, ']'); i > 0 {
			host = host[:i+1]
		}
	} else if i := strings.IndexByte(host, ':'); i >= 0 && strings.IndexByte(host[i+1:], ':') < 0 {
		// Exactly one colon: a port. Several colons is an unbracketed IPv6
		// literal, which has no port to strip.
		host = host[:i]
	}
	if n := len(host); n > 0 && host[n-1] == '.' {
		host = host[:n-1]
	}
	return lowerASCII(host)
}

// lowerASCII lower-cases ASCII letters only, as DNS does, and allocates only
// when there is something to change.
func lowerASCII(s string) string {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if c := b[i]; 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
