package proxy

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ingressmux/ingressmux/route"
)

// DefaultAffinityCookie is the name of the cookie of an Affinity that
// names none: ingress-nginx's session-cookie-name default.
const DefaultAffinityCookie = "INGRESSCOOKIE"

// AffinityMode is how firmly a session sticks to its endpoint
// (affinity-mode).
type AffinityMode uint8

// The affinity modes.
const (
	// AffinityBalanced (balanced, the default) gives each session a random
	// key, sent as the cookie value, and sends it to the endpoint that owns
	// the key on the upstream's consistent-hashing ring. While the
	// endpoints stay the same a session stays on its endpoint; when one is
	// added, about 1/n of the sessions move to it, so that it takes its
	// share of the load; when one goes, only its sessions move, each to
	// the next endpoint of the ring. The cookie is set once and never
	// needs changing.
	AffinityBalanced AffinityMode = iota
	// AffinityPersistent (persistent) sends a session to the endpoint its
	// cookie names for as long as that endpoint exists, whatever is added;
	// only a session whose endpoint went away is placed again (in turn)
	// and gets a new cookie.
	AffinityPersistent
)

// String returns the affinity-mode spelling: "balanced" or "persistent".
func (m AffinityMode) String() string {
	switch m {
	case AffinityBalanced:
		return "balanced"
	case AffinityPersistent:
		return "persistent"
	}
	return "AffinityMode(" + strconv.Itoa(int(m)) + ")"
}

// Affinity pins each client to an endpoint with a cookie, as
// ingress-nginx's affinity: cookie does. A request whose cookie leads to an
// endpoint of the upstream goes there; any other request is placed afresh
// and its response sets the cookie. The cookie value never shows an
// endpoint's address: it is a random key in balanced mode, a hash of the
// upstream's name and the endpoint's address in persistent mode (a hash is
// not encryption: whoever can try every address of a small network can
// find which one it is). It is always HttpOnly.
type Affinity struct {
	// Mode is AffinityBalanced (the zero value) or AffinityPersistent.
	Mode AffinityMode
	// Name is the cookie's name (session-cookie-name). Empty means
	// DefaultAffinityCookie.
	Name string
	// Path is the cookie's Path (session-cookie-path). Empty means the
	// path of the route's rule, less a trailing slash, or "/" for regex
	// and default rules (whose path a browser could not use).
	Path string
	// Domain is the cookie's Domain (session-cookie-domain). Empty sends
	// none: the cookie is then the host's only.
	Domain string
	// SameSite is the cookie's SameSite attribute
	// (session-cookie-samesite): http.SameSiteLaxMode, SameSiteStrictMode
	// or SameSiteNoneMode. Zero sends none.
	SameSite http.SameSite
	// ConditionalSameSiteNone leaves out SameSite=None for the browsers
	// known to reject cookies that carry it (Chrome 51 to 66, every
	// browser of iOS 12, Safari on macOS 10.14, UC Browser before
	// 12.13.2), by their User-Agent
	// (session-cookie-conditional-samesite-none).
	ConditionalSameSiteNone bool
	// Secure marks the cookie Secure always (session-cookie-secure).
	// Otherwise it is Secure when the client came over HTTPS: its
	// connection is TLS, or a trusted proxy said X-Forwarded-Proto: https.
	Secure bool
	// MaxAge, when positive, is sent as Max-Age in whole seconds
	// (session-cookie-max-age). Zero makes a session cookie, unless
	// Expires is set.
	MaxAge time.Duration
	// Expires, when positive, sends Expires as this long after the
	// response (session-cookie-expires).
	Expires time.Duration
	// ChangeOnFailure moves the session when a failed attempt is retried
	// on another endpoint (Route.Retry): the response's cookie then names
	// the endpoint that answered (session-cookie-change-on-failure).
	// Without it the retry is served elsewhere, but the cookie keeps
	// leading to the first endpoint.
	ChangeOnFailure bool
}

// check returns what is wrong with a.
func (a *Affinity) check() []error {
	var errs []error
	if a.Mode > AffinityPersistent {
		errs = append(errs, fmt.Errorf("Mode: unsupported value %s: supported values: balanced, persistent", a.Mode))
	}
	c := http.Cookie{Name: cmp.Or(a.Name, DefaultAffinityCookie), Value: "x", Path: a.Path, Domain: a.Domain}
	if err := c.Valid(); err != nil {
		errs = append(errs, errors.New(strings.TrimPrefix(err.Error(), "http: ")))
	}
	if a.Path != "" && !strings.HasPrefix(a.Path, "/") {
		errs = append(errs, fmt.Errorf("Path: invalid value %q: must start with /", a.Path))
	}
	switch a.SameSite {
	case 0, http.SameSiteLaxMode, http.SameSiteStrictMode, http.SameSiteNoneMode:
	default:
		errs = append(errs, fmt.Errorf("SameSite: unsupported value %d: use http.SameSiteLaxMode, SameSiteStrictMode, SameSiteNoneMode, or 0 for none", a.SameSite))
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"MaxAge", a.MaxAge}, {"Expires", a.Expires}} {
		if d.d < 0 || d.d > 0 && d.d < time.Second {
			errs = append(errs, fmt.Errorf("%s: invalid value %v: must be zero or at least one second", d.name, d.d))
		}
	}
	return errs
}

// affinity is an Affinity ready to serve an upstream.
type affinity struct {
	Affinity
	persistent      bool
	changeOnFailure bool
	ids             []string       // persistent: the cookie value of each endpoint
	byID            map[string]int // persistent: endpoint index by cookie value
}

func newAffinity(upstream string, a *Affinity, endpoints []string) *affinity {
	s := &affinity{Affinity: *a, persistent: a.Mode == AffinityPersistent, changeOnFailure: a.ChangeOnFailure}
	s.Name = cmp.Or(s.Name, DefaultAffinityCookie)
	if s.persistent {
		s.ids = make([]string, len(endpoints))
		s.byID = make(map[string]int, len(endpoints))
		for i, ep := range endpoints {
			sum := sha256.Sum256([]byte(upstream + "\x00" + ep))
			s.ids[i] = hex.EncodeToString(sum[:8])
			if _, dup := s.byID[s.ids[i]]; !dup {
				s.byID[s.ids[i]] = i
			}
		}
	}
	return s
}

// choose returns the endpoint of in's session, or places a new session.
func (a *affinity) choose(up *upstream, ring *ring, in pickInput) choice {
	if v, ok := cookieValue(in.r.Header, a.Name, false); ok && v != "" {
		if !a.persistent {
			return choice{endpoint: up.endpoints[ring.lookup(hashString(v))]}
		}
		if i, ok := a.byID[v]; ok {
			return choice{endpoint: up.endpoints[i]}
		}
	}
	if in.dry && a.persistent {
		// Explain: the session the next turn would start, without taking
		// the turn.
		i := int(up.n.Load() % uint64(len(up.endpoints)))
		return choice{endpoint: up.endpoints[i], cookie: a.ids[i]}
	}
	c, _ := a.place(up, ring, nil)
	return c
}

// placeTries is how many random keys a balanced session draws to find an
// endpoint that was not tried, as ingress-nginx does, before walking the
// ring.
const placeTries = 20

// place picks an endpoint for a new session, other than those in tried,
// and the cookie value that leads to it.
func (a *affinity) place(up *upstream, ring *ring, tried []string) (choice, bool) {
	n := len(up.endpoints)
	if a.persistent {
		for range n {
			i := int((up.n.Add(1) - 1) % uint64(n))
			if ep := up.endpoints[i]; !slices.Contains(tried, ep) {
				return choice{endpoint: ep, cookie: a.ids[i]}, true
			}
		}
		return choice{}, false
	}
	var key string
	for range placeTries {
		key = randomKey()
		if ep := up.endpoints[ring.lookup(hashString(key))]; !slices.Contains(tried, ep) {
			return choice{endpoint: ep, cookie: key}, true
		}
	}
	// Every draw hit a tried endpoint (most of them were tried): take the
	// first untried one along the ring, and draw keys until one leads
	// there, so that the cookie can name it. If n*20 draws all miss, the
	// request is served there without a cookie.
	i := ring.walk(hashString(key), func(i int) bool { return !slices.Contains(tried, up.endpoints[i]) })
	if i < 0 {
		return choice{}, false
	}
	for range n * placeTries {
		key = randomKey()
		if ring.lookup(hashString(key)) == i {
			return choice{endpoint: up.endpoints[i], cookie: key}, true
		}
	}
	return choice{endpoint: up.endpoints[i]}, true
}

// randomKey returns a new balanced session key: 16 random hex digits.
func randomKey() string {
	const hexDigits = "0123456789abcdef"
	var b [16]byte
	x := rand.Uint64()
	for i := range b {
		b[i] = hexDigits[x>>(60-4*i)&0xf]
	}
	return string(b[:])
}

// setAffinityCookie adds the affinity cookie that the request's pick
// asked for to h, the headers of the response.
func (rc *reqCtx) setAffinityCookie(h http.Header) {
	if rc.up.sel == nil || rc.up.sel.affinity == nil {
		return
	}
	a := rc.up.sel.affinity
	c := http.Cookie{
		Name:     a.Name,
		Value:    rc.cookie,
		Path:     cmp.Or(a.Path, rc.rt.cookiePath),
		Domain:   a.Domain,
		HttpOnly: true,
		Secure:   a.Secure || requestScheme(rc.in, rc.peer.trusted) == "https",
		SameSite: a.SameSite,
	}
	if c.SameSite == http.SameSiteNoneMode && a.ConditionalSameSiteNone && rejectsSameSiteNone(rc.in.UserAgent()) {
		c.SameSite = 0
	}
	if a.MaxAge > 0 {
		c.MaxAge = int(a.MaxAge / time.Second)
	}
	if a.Expires > 0 {
		c.Expires = time.Now().Add(a.Expires)
	}
	h["Set-Cookie"] = append(h["Set-Cookie"], c.String())
}

// ruleCookiePath is the default affinity cookie path of a rule: its path
// for Exact and Prefix rules (a Prefix without its trailing slash, so that
// the cookie covers the rule's path itself too), "/" otherwise.
func ruleCookiePath(rule route.Rule) string {
	switch rule.Type {
	case route.Exact:
		return rule.Path
	case route.Prefix:
		if p := strings.TrimRight(rule.Path, "/"); p != "" {
			return p
		}
	}
	return "/"
}
