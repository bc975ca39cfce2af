package proxy

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	htpasswd "github.com/tg123/go-htpasswd"
)

// BasicAuth asks clients for a user name and password (RFC 7617), as
// ingress-nginx's auth-type: basic does. A request without valid
// credentials gets 401 with "WWW-Authenticate: Basic realm=...". The
// Authorization header of an accepted request is removed before it is
// proxied, so the backend never sees the password.
type BasicAuth struct {
	// Realm is shown by browsers in the login prompt (auth-realm). It may
	// not contain double quotes, backslashes or control characters.
	Realm string
	// Users maps user names to password hashes as htpasswd writes them:
	// bcrypt ("$2y$", "$2a$", "$2b$"), Apache MD5 ("$apr1$"), MD5-crypt
	// ("$1$"), SHA-crypt ("$5$", "$6$"), "{SHA}", "{SSHA}", or "{PLAIN}"
	// followed by the password itself.
	Users map[string]string
}

// basicAuth is the runtime of a BasicAuth.
type basicAuth struct {
	challenge []string // the WWW-Authenticate value
	users     map[string]htpasswd.EncodedPasswd
	// decoy is checked for unknown users, so that an unknown user costs
	// the same time as a wrong password.
	decoy htpasswd.EncodedPasswd
}

func newBasicAuth(b *BasicAuth) (*basicAuth, []error) {
	var errs []error
	if strings.ContainsAny(b.Realm, `"\`) || !validHeaderValue(b.Realm) {
		errs = append(errs, fmt.Errorf("BasicAuth.Realm: invalid value %q: double quotes, backslashes and control characters are not allowed", b.Realm))
	}
	if len(b.Users) == 0 {
		errs = append(errs, errors.New("BasicAuth.Users: empty: nobody could log in"))
	}
	rt := &basicAuth{challenge: []string{`Basic realm="` + b.Realm + `"`}, users: map[string]htpasswd.EncodedPasswd{}}
	for _, user := range slices.Sorted(maps.Keys(b.Users)) {
		m, err := parsePasswordHash(b.Users[user])
		if err != nil {
			errs = append(errs, fmt.Errorf("BasicAuth.Users[%q]: %w", user, err))
			continue
		}
		rt.users[user] = m
		if rt.decoy == nil {
			rt.decoy = m
		}
	}
	return rt, errs
}

// passwordParsers are the hash formats accepted, all but plain text, which
// needs its "{PLAIN}" prefix (see parsePasswordHash).
var passwordParsers = []htpasswd.PasswdParser{
	htpasswd.AcceptBcrypt, htpasswd.AcceptMd5, htpasswd.AcceptCryptSha, htpasswd.AcceptSha, htpasswd.AcceptSsha,
}

// parsePasswordHash reads one password hash of an htpasswd file (the part
// after "user:") and returns its checker. It accepts bcrypt, Apache MD5
// ($apr1$), MD5-crypt ($1$), SHA-crypt ($5$, $6$), {SHA}, {SSHA} and
// {PLAIN}. Errors never repeat the hash, so that they can be logged.
func parsePasswordHash(hash string) (htpasswd.EncodedPasswd, error) {
	if pw, ok := strings.CutPrefix(hash, "{PLAIN}"); ok {
		return plainPassword(sha256.Sum256([]byte(pw))), nil
	}
	for _, parse := range passwordParsers {
		m, err := parse(hash)
		if err != nil {
			return nil, errors.New("malformed password hash")
		}
		if m != nil {
			return m, nil
		}
	}
	return nil, errors.New(`unsupported password hash: want bcrypt ($2y$...), Apache MD5 ($apr1$...), MD5-crypt ($1$...), SHA-crypt ($5$..., $6$...), {SHA}, {SSHA} or {PLAIN}; traditional DES crypt is not supported (regenerate with htpasswd -B)`)
}

// plainPassword is a "{PLAIN}" entry, kept as a digest so that comparing
// takes the same time whatever the guess.
type plainPassword [sha256.Size]byte

func (p plainPassword) MatchesPassword(pw string) bool {
	sum := sha256.Sum256([]byte(pw))
	return subtle.ConstantTimeCompare(sum[:], p[:]) == 1
}

// authenticate reports whether r carries the credentials of a user.
func (b *basicAuth) authenticate(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	m, known := b.users[user]
	if !known {
		if b.decoy != nil {
			b.decoy.MatchesPassword(pass)
		}
		return false
	}
	return m.MatchesPassword(pass)
}

// refuse answers 401 with the challenge.
func (b *basicAuth) refuse(w http.ResponseWriter) {
	w.Header()["Www-Authenticate"] = b.challenge
	writeError(w, http.StatusUnauthorized, "401 unauthorized")
}
