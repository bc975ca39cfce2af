package ingressmux

import (
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
// The Mux keeps set: do not modify it afterwards.
func LoadObjects(cfg Config, set *ingress.Set) (*Mux, error) {
	if set == nil {
		set = &ingress.Set{}
	}
	return newMux(cfg, set)
}

// ReplaceObjects validates and compiles set and, if that succeeds, serves
// it in place of the current objects, as Reload does for files: in-flight
// requests finish on the table they started with, and on error the
// running table and objects stay, untouched. It may be called on a Mux
// from Load too, which then serves set instead of its files until the
// program exits. The Mux keeps set: do not modify it afterwards.
func (m *Mux) ReplaceObjects(set *ingress.Set) error {
	if set == nil {
		set = &ingress.Set{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	previous := m.objects
	m.objects = set
	b, err := m.build()
	if err == nil {
		err = m.handler.Reload(b.table)
	}
	if err != nil {
		m.objects = previous
		return err
	}
	m.install(b)
	return nil
}

// load reads and compiles the sources: the objects when the Mux has them,
// else the files.
func (m *Mux) load(opts ingress.Options) (*ingress.Set, *ingress.Compiled, error) {
	if m.objects != nil {
		return ingress.CompileSet(m.objects, opts)
	}
	return ingress.Load(m.cfg.FS, m.cfg.Paths, opts)
}

// warningsToLog returns the warnings of a new load that deserve a log
// line. Files are reloaded by hand or on an edit, and every reload logs
// all of its warnings; objects are replaced on every change in a cluster,
// where repeating each standing warning on every change would bury the
// new ones, so only warnings the previous load did not have are logged.
func (m *Mux) warningsToLog(previous *state, warnings []ingress.Warning) []ingress.Warning {
	if m.objects == nil || previous == nil {
		return warnings
	}
	seen := make(map[string]bool, len(previous.warnings))
	for _, w := range previous.warnings {
		seen[w.String()] = true
	}
	var out []ingress.Warning
	for _, w := range warnings {
		if !seen[w.String()] {
			out = append(out, w)
		}
	}
	return out
}
