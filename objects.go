package ingressmux

import (
	"context"
	"time"

	"github.com/ingressmux/ingressmux/ingress"
)

// Serving objects instead of files. A program that gets its objects from
// somewhere other than files (a cluster's informer caches, a database, a
// test) hands the Mux whole object sets: LoadObjects for the first,
// ReplaceObjects for each change. Each set goes through the same validate
// and compile pipeline as files, and a set that does not compile never
// replaces the one being served.

// LoadObjects returns a Mux that serves the objects of set instead of
// files: cfg.Paths and cfg.FS are not read. An empty Set is fine: the Mux
// then answers every request with NotFound until ReplaceObjects gives it
// something to route. Reload compiles the current objects again.
//
// The Set is validated as files are; with cfg.SkipInvalidIngresses, an
// Ingress that fails validation or compilation is left out with a warning
// whose SkippedIngress method reports true, and the rest is served.
// The Mux keeps set: do not modify it afterwards. ctx bounds the
// Resolver's answers, as in Load.
func LoadObjects(ctx context.Context, cfg Config, set *ingress.Set) (loaded *Mux, err error) {
	start := time.Now()
	defer func() { reportLoad(cfg.Hooks.Reloaded, start, loaded, err) }()
	if set == nil {
		set = &ingress.Set{}
	}
	return newMux(ctx, cfg, set)
}

// ReplaceObjects validates and compiles set and, if that succeeds, serves
// it in place of the current objects, as Reload does for files: in-flight
// requests finish on the table they started with, and on error the
// running table and objects stay, untouched. It may be called on a Mux
// from Load too, which then serves set instead of its files until the
// program exits. The Mux keeps set: do not modify it afterwards. ctx
// bounds the Resolver's answers. Hooks.Reloaded reports it as "replace".
func (m *Mux) ReplaceObjects(ctx context.Context, set *ingress.Set) error {
	if set == nil {
		set = &ingress.Set{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	start := time.Now()
	previous := m.objects
	m.objects = set
	b, err := m.build(ctx)
	if err == nil {
		err = m.swap(b)
	}
	if err != nil {
		m.objects = previous
	}
	return m.reported("replace", start, err)
}
