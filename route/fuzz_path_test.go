package route

import (
	"errors"
	"net/url"
	"path"
	"strconv"
	"strings"
	"testing"
)

// refCleanPath is a slow restatement of the normalisation rules of
// DESIGN.md and CleanPath's documentation, built from different parts
// (strconv for the hex, explicit character sets, path.Clean for the dot
// segments), so that FuzzCleanPathReference catches a fast path in
// CleanPath that drifts from the documented rules.
func refCleanPath(escaped string) (string, error) {
	if escaped == "" {
		return "/", nil
	}
	if !strings.HasPrefix(escaped, "/") {
		return "", ErrBadPath
	}
	const unreserved = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
	const mustEscape = "\"#<>?\\^`{|}"
	// Canonical spelling: escapes of unreserved characters decoded, other
	// escapes in upper case, bytes that may not appear raw escaped.
	var canon strings.Builder
	for i := 0; i < len(escaped); i++ {
		c := escaped[i]
		switch {
		case c == 0:
			return "", ErrBadPath
		case c == '%':
			if i+3 > len(escaped) {
				return "", ErrBadPath
			}
			hex := escaped[i+1 : i+3]
			v, err := strconv.ParseUint(hex, 16, 8)
			if err != nil || v == 0 {
				return "", ErrBadPath
			}
			if strings.IndexByte(unreserved, byte(v)) >= 0 {
				canon.WriteByte(byte(v))
			} else {
				canon.WriteString("%" + strings.ToUpper(hex))
			}
			i += 2
		case c <= ' ' || c >= 0x7f || strings.IndexByte(mustEscape, c) >= 0:
			canon.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(c)|0x100, 16)[1:]))
		default:
			canon.WriteByte(c)
		}
	}
	s := canon.String()
	// Only a raw "/" separates segments, so "%2F" is inside one. A ".."
	// that would climb above the root is an error, not clamped as
	// path.Clean would.
	segs := strings.Split(s[1:], "/")
	depth := 0
	for _, seg := range segs {
		switch seg {
		case "", ".":
		case "..":
			if depth--; depth < 0 {
				return "", ErrBadPath
			}
		default:
			depth++
		}
	}
	out := path.Clean(s)
	if last := segs[len(segs)-1]; (last == "" || last == "." || last == "..") && out != "/" {
		out += "/" // the request still names a directory
	}
	return out, nil
}

// FuzzCleanPathReference holds CleanPath to refCleanPath on arbitrary
// input, and checks that the cleaned path survives the trip through
// net/url that the proxy makes when it forwards it (url.URL with Path and
// RawPath, as proxy.setPath builds it): a backend must receive exactly the
// path that was matched, so an escape such as %2F must not be decoded on
// the way out.
func FuzzCleanPathReference(f *testing.F) {
	for _, s := range []string{
		"", "/", "//", "/a/./b/../c", "/%2e%2E/", "/a/%2F/b", "/%2f", "/%zz", "/%4", "/%+1", "/%-1",
		"/\x00", "/%00", "/a b/\u00e9", "/\xff\xfe", "/%C0%AE%C0%AE/", "/a;b=c/..;/d", "/a\\..\\b",
		"/.%2e/", "/%2E%2e", "/admin/", "/x/../admin", "/%61dmin", "/a/b/..", "/a/b/.", "/[::1]",
		"/a!$&'()*+,;=:@[]", "/%7e%7E", "*", "a", "/a?b#c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := CleanPath(in)
		want, refErr := refCleanPath(in)
		if (err != nil) != (refErr != nil) || got != want {
			t.Fatalf("CleanPath(%q) = %q, %v; reference gives %q, %v", in, got, err, want, refErr)
		}
		if err != nil {
			if !errors.Is(err, ErrBadPath) {
				t.Fatalf("CleanPath(%q) error %v does not wrap ErrBadPath", in, err)
			}
			return
		}
		dec, err := url.PathUnescape(got)
		if err != nil {
			t.Fatalf("CleanPath(%q) = %q, which does not unescape: %v", in, got, err)
		}
		u := url.URL{Path: dec, RawPath: got}
		if u.EscapedPath() != got {
			t.Fatalf("CleanPath(%q) = %q, but net/url forwards it as %q", in, got, u.EscapedPath())
		}
		// What the proxy forwards, re-read by a backend, is still the
		// same path: a backend that normalises as the proxy does routes
		// the request exactly as the proxy did.
		parsed, err := url.ParseRequestURI(u.RequestURI())
		if err != nil || parsed.EscapedPath() != got {
			t.Fatalf("CleanPath(%q) = %q, re-parsed by a backend as %v, %v", in, got, parsed, err)
		}
	})
}
