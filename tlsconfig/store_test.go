package tlsconfig

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ingressmux/ingressmux/internal/testpki"
)

func TestStoreGetCertificate(t *testing.T) {
	ca := testpki.NewCA(t, "test CA")
	apex, wild, a, def := ca.Issue(t, "foo.com"), ca.Issue(t, "*.foo.com"), ca.Issue(t, "a.foo.com"), ca.Issue(t, "default")

	var full, bare, empty Store
	if err := full.Replace(map[string]*tls.Certificate{"foo.com": apex, "*.Foo.com": wild, "A.foo.com.": a}, def); err != nil {
		t.Fatal(err)
	}
	if err := bare.Replace(map[string]*tls.Certificate{"*.foo.com": wild}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		store   *Store
		sni     string
		want    *tls.Certificate // nil: an error containing wantErr
		wantErr string
	}{
		{"exact", &full, "foo.com", apex, ""},
		{"exact upper case", &full, "FOO.com", apex, ""},
		{"exact trailing dot", &full, "foo.com.", apex, ""},
		{"exact beats wildcard", &full, "a.foo.com", a, ""},
		{"key case and dot ignored", &full, "A.FOO.COM.", a, ""},
		{"wildcard one label", &full, "b.foo.com", wild, ""},
		{"wildcard mixed case", &full, "B.Foo.Com.", wild, ""},
		{"wildcard not two labels", &full, "x.b.foo.com", def, ""},
		{"unknown host", &full, "bar.com", def, ""},
		{"no SNI", &full, "", def, ""},
		{"wildcard not apex", &bare, "foo.com", nil, `no certificate for server name "foo.com"`},
		{"wildcard one label, no default", &bare, "b.foo.com", wild, ""},
		{"two labels, no default", &bare, "x.b.foo.com", nil, `"x.b.foo.com": bind one to the host`},
		{"no SNI, no default", &bare, "", nil, "sent no server name (SNI)"},
		{"nothing configured", &empty, "foo.com", nil, "or set a default certificate"},
	} {
		got, err := tt.store.GetCertificate(&tls.ClientHelloInfo{ServerName: tt.sni})
		switch {
		case tt.want == nil && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: GetCertificate(%q) = %s, %v; want error containing %q", tt.name, tt.sni, leafName(got), err, tt.wantErr)
		case tt.want != nil && (err != nil || got != tt.want):
			t.Errorf("%s: GetCertificate(%q) = %s, %v; want %s", tt.name, tt.sni, leafName(got), err, leafName(tt.want))
		}
	}
}

func TestStoreHas(t *testing.T) {
	ca := testpki.NewCA(t, "test CA")
	var s Store
	s.SetDefault(ca.Issue(t, "default"))
	if err := s.Set("foo.com", ca.Issue(t, "foo.com")); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("*.bar.com", ca.Issue(t, "*.bar.com")); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("koo.com", ca.Issue(t, "koo.com")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		host string
		want bool
	}{
		{"foo.com", true},
		{"Foo.COM.", true},
		{"a.foo.com", false},
		{"a.bar.com", true},
		{"bar.com", false},
		{"a.b.bar.com", false},
		{"other.com", false}, // the default does not count
		{"koo.com", true},
		{"\u212Aoo.com", false}, // Kelvin sign: ASCII-only folding, as routing does
		{"", false},
	} {
		if got := s.Has(tt.host); got != tt.want {
			t.Errorf("Has(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
	s.Delete("FOO.com")
	if s.Has("foo.com") {
		t.Errorf("Has(%q) after Delete = true, want false", "foo.com")
	}
	if got, want := s.Hosts(), []string{"*.bar.com", "koo.com"}; !slices.Equal(got, want) {
		t.Errorf("Hosts() = %q, want %q", got, want)
	}
}

func TestStoreInvalidHosts(t *testing.T) {
	cert := testpki.NewCA(t, "test CA").Issue(t, "x")
	for _, tt := range []struct {
		host    string
		cert    *tls.Certificate
		wantErr string
	}{
		{"", cert, "is the default certificate"},
		{".", cert, "is the default certificate"},
		{"a.*.com", cert, `"a.*.com": a wildcard must be`},
		{"*foo.com", cert, `"*foo.com": a wildcard must be`},
		{"*.", cert, "a wildcard must be"},
		{"*..", cert, "needs a domain"},
		{"foo.com:443", cert, "without port"},
		{"foo.com", nil, "nil certificate"},
	} {
		var s Store
		if err := s.Set(tt.host, tt.cert); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Set(%q) = %v, want error containing %q", tt.host, err, tt.wantErr)
		}
		good := map[string]*tls.Certificate{"ok.com": cert}
		if err := s.Replace(good, nil); err != nil {
			t.Fatal(err)
		}
		err := s.Replace(map[string]*tls.Certificate{"new.com": cert, tt.host: tt.cert}, cert)
		if err == nil || !strings.HasPrefix(err.Error(), "tlsconfig: ") || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Replace with %q = %v, want error containing %q", tt.host, err, tt.wantErr)
		}
		if got := s.Hosts(); !slices.Equal(got, []string{"ok.com"}) {
			t.Errorf("Hosts() after failed Replace = %q, want unchanged [ok.com]", got)
		}
	}
}

// TestStoreConcurrent runs handshake lookups against Replace, Set, Delete
// and SetDefault; run it with -race. Every snapshot a reader sees must be
// one whole generation.
func TestStoreConcurrent(t *testing.T) {
	ca := testpki.NewCA(t, "test CA")
	gens := []*tls.Certificate{ca.Issue(t, "gen0"), ca.Issue(t, "gen1")}
	set := func(c *tls.Certificate) map[string]*tls.Certificate {
		return map[string]*tls.Certificate{"a.com": c, "*.b.com": c, "c.com": c}
	}
	var s Store
	if err := s.Replace(set(gens[0]), gens[0]); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 8)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				snap := s.load()
				c := snap.hosts["a.com"]
				if snap.hosts["*.b.com"] != c || snap.hosts["c.com"] != c || snap.def != c {
					errs <- fmt.Errorf("snapshot mixes generations")
					return
				}
				got, err := s.GetCertificate(&tls.ClientHelloInfo{ServerName: "x.b.com"})
				if err != nil || (got != gens[0] && got != gens[1]) {
					errs <- fmt.Errorf("GetCertificate(%q) = %s, %v", "x.b.com", leafName(got), err)
					return
				}
			}
		})
	}
	for i := range 2000 {
		c := gens[i%2]
		if err := s.Replace(set(c), c); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// Copy-on-write updates racing each other must not lose any.
	var w sync.WaitGroup
	for i := range 16 {
		w.Go(func() {
			host := fmt.Sprintf("h%d.com", i)
			if err := s.Set(host, gens[0]); err != nil {
				t.Error(err)
			}
			s.Delete("a.com")
			s.SetDefault(gens[1])
		})
	}
	w.Wait()
	if got := len(s.Hosts()); got != 16+2 {
		t.Errorf("after 16 concurrent Sets: %d hosts %q, want 18", got, s.Hosts())
	}
}
