package ingress

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/ingressmux/ingressmux/internal/parallel"
	"github.com/ingressmux/ingressmux/route"
)

// Tracker keeps a set of objects and its compiled table up to date change
// by change. Apply recompiles only the Ingresses a change can affect (see
// "Changes" in the package documentation) and builds the new table from
// the previous one, sharing what did not change; the result is the same
// as compiling every object again (LoadFiles, then Compile), warnings and TLS
// hosts included, though warnings may come in another order. A change of
// EndpointSlices alone that moves only addresses compiles nothing: the
// routes of the backends concerned get their new addresses, and
// Result.Endpoints lists them by backend.
//
// A change that fails (an invalid object without
// Options.SkipInvalidIngresses, a backend that cannot resolve) leaves the
// Tracker as it was. Options.Resolver is asked when an Ingress is
// compiled: the backends of Ingresses that no change touches are not
// resolved again (Reset resolves everything). A Tracker is not safe for concurrent use; the
// Compiled values it returns are never modified afterwards.
type Tracker struct {
	opts Options
	objs [kindCount]map[string]*entry // by kind, then "namespace/name" (or name)
	seq  int                          // load order: the last seq given

	setWarnings   []Warning // of the decoding, given to Reset or Sync
	classWarnings []Warning // of the IngressClasses (several marked default)

	groups    []*group          // ordered by their first member
	linkGroup map[string]*group // which group holds a link
	refIngs   map[string]*refSet
	slicesOf  map[string]map[string]bool // "namespace/service" -> EndpointSlice keys
	backends  backendIndex

	compiled *Compiled
}

const kindCount = int(kindConfigMap) + 1

// entry is one object and what the Tracker knows of it.
type entry struct {
	n   normalized
	seq int
	// Ingresses only.
	links, refs []string
	skip        []Warning // why it is left out; nil when it is compiled
	grp         *group
}

// group is Ingresses that share links, and what compiling them gave.
type group struct {
	members []*entry // in load order
	links   []string
	// compiled is false for a group of skipped Ingresses only.
	compiled bool
	// hosts are the hosts of the group's rules, as the routing table
	// keeps them ("" for the rules without a host and the catch-all
	// default backend).
	hosts []string
	// table, or on a full compile prepared, holds the group's rules until
	// recompile lays them into the Tracker's table; the commit drops it.
	table    *route.Table
	prepared *route.Prepared
	tls      []TLSHost
	warnings []Warning
	// differences are the requests the two matching modes route
	// differently among the group's rules (Compiled.Differences).
	differences []Difference
	// backendWarnings are the warnings of backends its Ingresses use,
	// of which only the first in merge order over every group is kept.
	backendWarnings []backendWarning
	// resolved and resolvedSvc are how its compile resolved each backend
	// (see Compiled.resolved); endpoint changes keep resolved current.
	resolved, resolvedSvc map[route.Backend]*resolved
}

// Result is what one Apply, Reset or Sync changed.
type Result struct {
	// Compiled is the whole new result.
	Compiled *Compiled
	// Full reports that every Ingress was compiled again (a Reset, or an
	// IngressClass changed); Hosts and Changed then cover everything.
	Full bool
	// Hosts lists the hosts whose rules were compiled again, in the form
	// the routing table keeps them ("" stands for the rules without a host
	// and the catch-all default backend). Every other host's rules are the
	// very rules of the previous table.
	Hosts map[string]bool
	// Changed holds the rules of Hosts in the new table.
	Changed *route.Table
	// Warnings are the warnings of the Ingresses compiled again.
	Warnings []Warning
	// Endpoints, when not empty, are the new addresses of backends by
	// name ("namespace/service:port"), for a change that only moved
	// endpoints (EndpointSlices): nothing was compiled again, Hosts is
	// empty, and the rules that use these backends differ from the
	// previous table's only in their addresses.
	Endpoints map[string][]string
	// MovedHosts, with Endpoints, lists the hosts whose rules carry the
	// new addresses in Compiled.Table: a program that serves these rules
	// in a table of its own, beside other front ends' rules, takes those
	// hosts' rules again.
	MovedHosts map[string]bool
}

// NewTracker returns a Tracker holding no objects, whose table is empty.
func NewTracker(opts Options) *Tracker { return newTracker(opts) }

func newTracker(opts Options) *Tracker {
	t := &Tracker{opts: opts, linkGroup: map[string]*group{}, refIngs: map[string]*refSet{}, slicesOf: map[string]map[string]bool{}, backends: newBackendIndex()}
	for k := range t.objs {
		t.objs[k] = map[string]*entry{}
	}
	t.compiled = &Compiled{Table: t.modeTable()}
	return t
}

// modeTable is an empty table with the options of the matching mode: a
// full Compile in the ingress-nginx mode keeps regexes in order even when
// it has no rule.
func (t *Tracker) modeTable() *route.Table {
	empty, _ := route.NewWithOptions(nil, route.Options{RegexInOrder: t.opts.Matching == MatchIngressNginx})
	return empty
}

// Compiled returns the current result.
func (t *Tracker) Compiled() *Compiled { return t.compiled }

// undo is how to take back one put.
type undo struct {
	kind kind
	key  string
	prev *entry
}

// put stores (or, for nil, deletes) an object and keeps the object indexes.
func (t *Tracker) put(k kind, key string, e *entry) {
	if k == kindEndpointSlice {
		if old := t.objs[k][key]; old != nil {
			if svc := sliceService(old.n.obj.(EndpointSlice)); svc != "" {
				delete(t.slicesOf[svc], key)
			}
		}
		if e != nil {
			if svc := sliceService(e.n.obj.(EndpointSlice)); svc != "" {
				if t.slicesOf[svc] == nil {
					t.slicesOf[svc] = map[string]bool{}
				}
				t.slicesOf[svc][key] = true
			}
		}
	}
	if e == nil {
		delete(t.objs[k], key)
		return
	}
	t.objs[k][key] = e
}

// Apply applies changes in order and compiles what they affect. Adding an
// object that exists replaces it; deleting one that does not exist does
// nothing. Every changed object is validated as Set.Validate would; an
// invalid Ingress is left out with warnings under
// Options.SkipInvalidIngresses, and anything else invalid fails the whole
// call. On error nothing changes: the previous Compiled stays current.
func (t *Tracker) Apply(changes ...Change) (*Result, error) {
	p, err := t.Prepare(changes...)
	if err != nil {
		return nil, err
	}
	p.Commit()
	return p.Result, nil
}

// Pending is a prepared change: its Result is computed but not yet
// current. Commit makes it current, Discard drops it; until one of them is
// called the Tracker must not be used otherwise. Pending lets a caller
// check what depends on the Result (building the proxy's table, say)
// before the Tracker moves on.
type Pending struct {
	// Result is what the change gives.
	Result *Result
	t      *Tracker
	log    []undo
	commit func()
	// undoMore takes back what prepare did besides puts; may be nil.
	undoMore func()
}

// Commit makes the prepared change current.
func (p *Pending) Commit() {
	if p.commit != nil {
		p.commit()
		p.commit = nil
	}
}

// Discard drops the prepared change: the Tracker is as before Prepare.
func (p *Pending) Discard() {
	if p.commit != nil {
		p.t.undo(p.log)
		if p.undoMore != nil {
			p.undoMore()
		}
		p.commit = nil
	}
}

// undo takes back the puts of log.
func (t *Tracker) undo(log []undo) {
	seq := t.maxSeq(log)
	for i := len(log) - 1; i >= 0; i-- {
		t.put(log[i].kind, log[i].key, log[i].prev)
	}
	t.seq = seq
}

// Prepare is Apply without the commit: see Pending.
func (t *Tracker) Prepare(changes ...Change) (*Pending, error) {
	return t.prepare(changes, nil, nil)
}

// prepare is Prepare; seqOf, when not nil, gives the load order of the
// objects that changes store (by kind and key), and undo is run on
// failure and on Discard before the puts are taken back.
func (t *Tracker) prepare(changes []Change, seqOf map[kindKey]int, undoMore func()) (*Pending, error) {
	var log []undo
	affected := map[*group]bool{}
	touched := map[string]bool{} // Ingress keys
	full := false
	// slicesOnly: every change is to an EndpointSlice, of the Services in
	// moved; see endpointsOnly.
	slicesOnly, moved := true, map[string]bool{}
	var errs ErrorList
	for _, c := range changes {
		n, err := normalize(c)
		if err == nil && c.Op > Deleted {
			err = fmt.Errorf("ingress: change of %s: unknown operation %s", n.key, c.Op)
		}
		if err != nil {
			errs = append(errs, &Error{Err: err})
			continue
		}
		old := t.objs[n.kind][n.key]
		var e *entry
		if c.Op != Deleted {
			e = &entry{n: n, seq: t.seq + 1}
			if old != nil {
				e.seq = old.seq
			}
			if seqOf != nil {
				e.seq = seqOf[kindKey{n.kind, n.key}]
			}
			bad := n.validate()
			var skip []Warning
			if len(bad) > 0 {
				if n.kind != kindIngress || !t.opts.SkipInvalidIngresses {
					errs = append(errs, bad...)
					continue
				}
				skip, _ = skipInvalid(bad, map[string]bool{})
			}
			if old == nil && seqOf == nil {
				t.seq++
			}
			if n.kind == kindIngress {
				t.prepareIngress(e, skip)
			}
		} else if old == nil {
			continue
		}
		log = append(log, undo{n.kind, n.key, old})
		t.put(n.kind, n.key, e)
		slicesOnly = slicesOnly && n.kind == kindEndpointSlice
		switch n.kind {
		case kindIngress:
			if old != nil && old.grp != nil {
				affected[old.grp] = true
			}
			touched[n.key] = true
			if e != nil {
				t.linkedGroups(e.links, affected)
			}
		case kindIngressClass:
			full = true
		case kindService:
			t.readers(n.key, affected, touched)
		case kindEndpointSlice:
			for _, v := range []*entry{old, e} {
				if v != nil {
					if svc := sliceService(v.n.obj.(EndpointSlice)); svc != "" {
						t.readers(svc, affected, touched)
						moved[svc] = true
					}
				}
			}
		case kindSecret, kindConfigMap:
			t.readers(n.key, affected, touched)
		}
	}
	if len(errs) == 0 && len(log) == 0 && undoMore == nil {
		return &Pending{Result: &Result{Compiled: t.compiled, Hosts: map[string]bool{}}, t: t, commit: func() {}}, nil
	}
	if len(errs) == 0 && !full && slicesOnly && seqOf == nil && undoMore == nil {
		if up, commit, ok := t.endpointsOnly(moved, affected, touched); ok {
			return &Pending{Result: up, t: t, log: log, commit: commit, undoMore: undoMore}, nil
		}
	}
	var up *Result
	var commit func()
	var err error
	if len(errs) == 0 {
		up, commit, err = t.recompile(affected, touched, full)
	}
	if len(errs) > 0 || err != nil {
		t.undo(log)
		if undoMore != nil {
			undoMore()
		}
		if err != nil {
			return nil, err
		}
		return nil, errs
	}
	return &Pending{Result: up, t: t, log: log, commit: commit, undoMore: undoMore}, nil
}

// kindKey names an object of any kind.
type kindKey struct {
	kind kind
	key  string
}

// maxSeq returns the seq to go back to after undoing log.
func (t *Tracker) maxSeq(log []undo) int {
	seq := t.seq
	for _, u := range log {
		if u.prev == nil { // an add: its seq is given back
			seq--
		}
	}
	return seq
}

// readers adds the Ingresses that may read the object "namespace/name" (a
// Service they route to, or any object their annotations name) to touched,
// and their groups to affected.
func (t *Tracker) readers(key string, affected map[*group]bool, touched map[string]bool) {
	for _, ref := range []string{serviceLink + key, objectRef + key} {
		for ing := range t.refIngs[ref].all() {
			touched[ing] = true
			if ie := t.objs[kindIngress][ing]; ie != nil && ie.grp != nil {
				affected[ie.grp] = true
			}
		}
	}
}

// linkedGroups adds to into the groups that hold any of links.
func (t *Tracker) linkedGroups(links []string, into map[*group]bool) {
	for _, l := range links {
		if g := t.linkGroup[l]; g != nil {
			into[g] = true
		}
	}
}

// recompile compiles the Ingresses of the affected groups and the touched
// Ingresses (every Ingress when full) and splits them into groups again.
// It changes nothing: the returned commit makes the result current.
func (t *Tracker) recompile(affected map[*group]bool, touched map[string]bool, full bool) (*Result, func(), error) {
	classes := t.sorted(kindIngressClass)
	classSet := &Set{}
	for _, e := range classes {
		classSet.IngressClasses = append(classSet.IngressClasses, e.n.obj.(IngressClass))
	}
	_, classWarnings := defaultClass(classSet)

	var members []*entry
	if full {
		members = t.sorted(kindIngress)
		affected = map[*group]bool{}
		for _, g := range t.groups {
			affected[g] = true
		}
	} else {
		keys := map[string]bool{}
		for g := range affected {
			for _, m := range g.members {
				keys[m.n.key] = true
			}
		}
		for k := range touched {
			keys[k] = true
		}
		for k := range keys {
			if e := t.objs[kindIngress][k]; e != nil {
				members = append(members, e)
			}
		}
		slices.SortFunc(members, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	}

	fresh, err := t.compileGroups(partition(members), classSet.IngressClasses, len(classWarnings), full)
	if err != nil {
		return nil, nil, err
	}

	nhosts := 0
	for _, g := range fresh {
		nhosts += len(g.hosts)
	}
	up := &Result{Full: full, Hosts: make(map[string]bool, nhosts)}
	for _, g := range fresh {
		for _, h := range g.hosts {
			up.Hosts[h] = true
		}
		up.Warnings = append(up.Warnings, g.warnings...)
	}
	for g := range affected {
		for _, h := range g.hosts {
			up.Hosts[h] = true
		}
	}
	// Each layout ends with the empty table of the matching mode: with no
	// rules compiled, the table still has the mode's options, as a full
	// Compile's does.
	var table *route.Table
	var join func()
	if full {
		// Every group's rules laid out once, as Splice would lay out the
		// groups' tables, beside the rest of the work (see below).
		var parts []*route.Prepared
		for _, g := range fresh {
			switch {
			case g.prepared != nil:
				parts = append(parts, g.prepared)
			case g.table != nil:
				parts = append(parts, g.table.Prepared())
			}
		}
		parts = append(parts, t.modeTable().Prepared())
		join = func() { table = route.Join(parts...) }
	} else {
		var tables []*route.Table
		for _, g := range fresh {
			if g.table != nil {
				tables = append(tables, g.table)
			}
		}
		up.Changed = route.Splice(nil, nil, append(tables, t.modeTable())...)
		table = route.SpliceHosts(t.compiled.Table, up.Hosts, tables...)
	}

	var groups []*group
	out := &Compiled{}
	// When every group is fresh, the indexes are made anew (idx) rather
	// than updated at commit: nothing shares them yet, so they are made
	// while the table is laid out, on the other CPU.
	var idx *trackerIndexes
	var commitBackends func()
	lists := func() {
		groups = mergeGroups(slices.DeleteFunc(slices.Clone(t.groups), func(g *group) bool { return affected[g] }), fresh)
		backends, removed := &t.backends, affected
		if full {
			idx = &trackerIndexes{backends: newBackendIndex()}
			backends, removed = &idx.backends, nil
		}
		var emitted func(*group) []Warning
		var moved func() []*group
		emitted, moved, commitBackends = backends.plan(removed, fresh)
		if !full && t.sameOutput(affected, fresh, emitted, classWarnings, moved) {
			// Endpoints moved, say: the lists are those of the previous result.
			out.Warnings, out.TLS = t.compiled.Warnings, t.compiled.TLS
		} else {
			out.Warnings, out.TLS = t.outputLists(groups, emitted, classWarnings)
		}
		out.Differences = differences(groups)
		if full {
			commitBackends()
			idx.fill(fresh)
		}
	}
	if full {
		parallel.Both(join, lists)
		up.Changed = table
	} else {
		lists()
	}
	out.Table = table
	up.Compiled = out
	commit := func() {
		t.classWarnings = classWarnings
		if idx != nil {
			t.backends, t.linkGroup, t.refIngs = idx.backends, idx.linkGroup, idx.refIngs
		} else {
			commitBackends()
			for g := range affected {
				for _, l := range g.links {
					if t.linkGroup[l] == g {
						delete(t.linkGroup, l)
					}
				}
				for _, m := range g.members {
					unindexRefs(t.refIngs, m)
				}
			}
			t.sizeIndexes(fresh)
			indexGroups(t.linkGroup, t.refIngs, fresh)
		}
		for _, g := range fresh {
			g.table, g.prepared = nil, nil // in the Tracker's table now
			for _, m := range g.members {
				m.grp = g
			}
		}
		t.groups = groups
		t.compiled = out
	}
	return up, commit, nil
}

// mergeGroups merges two lists of groups ordered by their first member.
func mergeGroups(a, b []*group) []*group {
	slices.SortFunc(b, compareGroups)
	out := make([]*group, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if compareGroups(a[0], b[0]) <= 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

func compareGroups(a, b *group) int { return cmp.Compare(a.members[0].seq, b.members[0].seq) }

// sorted returns the entries of kind k in load order.
func (t *Tracker) sorted(k kind) []*entry {
	out := make([]*entry, 0, len(t.objs[k]))
	for _, e := range t.objs[k] {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

// partition splits members (in load order) into groups of Ingresses
// joined by links; each keeps load order, and skipped Ingresses are
// groups of their own.
func partition(members []*entry) [][]*entry {
	parent := make([]int, len(members))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i, m := range members {
		for _, l := range m.links {
			if j, ok := owner[l]; ok {
				a, b := find(i), find(j)
				parent[max(a, b)] = min(a, b)
			} else {
				owner[l] = i
			}
		}
	}
	byRoot := map[int]int{}
	var out [][]*entry
	for i, m := range members {
		r := find(i)
		k, ok := byRoot[r]
		if !ok {
			k = len(out)
			byRoot[r] = k
			out = append(out, nil)
		}
		out[k] = append(out[k], m)
	}
	return out
}

// compileGroup compiles the Ingresses of one group with the objects they
// may read. classWarnings is how many warnings about IngressClasses every
// Compile begins with; they are the Tracker's, not the group's.
func (t *Tracker) compileGroup(members []*entry, classes []IngressClass, classWarnings int, full bool) (*group, error) {
	g := &group{members: members}
	set := &Set{IngressClasses: classes}
	seenLink := map[string]bool{}
	var services, slices_, secrets, configMaps []*entry
	seenRef := map[string]bool{}
	for _, m := range members {
		if m.skip != nil {
			g.warnings = append(g.warnings, m.skip...)
			continue
		}
		set.Ingresses = append(set.Ingresses, m.n.obj.(Ingress))
		for _, l := range m.links {
			if !seenLink[l] {
				seenLink[l] = true
				g.links = append(g.links, l)
			}
		}
		for _, r := range m.refs {
			key := r[len(objectRef):] // both kinds of ref have 2-byte prefixes
			if seenRef[key] {
				continue
			}
			seenRef[key] = true
			if e := t.objs[kindService][key]; e != nil {
				services = append(services, e)
			}
			for sk := range t.slicesOf[key] {
				slices_ = append(slices_, t.objs[kindEndpointSlice][sk])
			}
			if e := t.objs[kindSecret][key]; e != nil {
				secrets = append(secrets, e)
			}
			if e := t.objs[kindConfigMap][key]; e != nil {
				configMaps = append(configMaps, e)
			}
		}
	}
	if len(set.Ingresses) == 0 {
		return g, nil
	}
	for _, list := range [][]*entry{services, slices_, secrets, configMaps} {
		slices.SortFunc(list, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	}
	for _, e := range services {
		set.Services = append(set.Services, e.n.obj.(Service))
	}
	for _, e := range slices_ {
		set.EndpointSlices = append(set.EndpointSlices, e.n.obj.(EndpointSlice))
	}
	for _, e := range secrets {
		set.Secrets = append(set.Secrets, e.n.obj.(Secret))
	}
	for _, e := range configMaps {
		set.ConfigMaps = append(set.ConfigMaps, e.n.obj.(ConfigMap))
	}
	opts := t.opts
	opts.backendWarnings, opts.deferTable = true, full
	out, err := Compile(set, opts)
	if err != nil {
		return nil, err
	}
	switch {
	case out.prepared != nil:
		g.prepared, g.hosts = out.prepared, out.prepared.Hosts()
	case out.Table != nil:
		g.table, g.hosts = out.Table, out.Table.Hosts()
	default:
		return nil, errors.New("ingress: compiling a group gave no table")
	}
	g.compiled = true
	g.tls, g.backendWarnings, g.differences = out.TLS, out.backendWarnings, out.Differences
	g.resolved, g.resolvedSvc = out.resolved, out.resolvedSvc
	if len(g.backendWarnings) > 0 {
		byIngress := make(map[*networkingv1.Ingress]*entry, len(members))
		for _, m := range members {
			byIngress[m.n.obj.(Ingress).Ingress] = m
		}
		for i := range g.backendWarnings {
			g.backendWarnings[i].member = byIngress[g.backendWarnings[i].ing.Ingress]
			g.backendWarnings[i].grp = g
		}
	}
	g.warnings = append(g.warnings, out.Warnings[classWarnings:]...)
	return g, nil
}

// Set returns the objects the Tracker holds, in load order, as LoadFiles would
// return them: Ingresses left out as invalid are not in it.
func (t *Tracker) Set() *Set { return t.objects(false) }

// Objects returns every object the Tracker holds, in load order, the
// Ingresses left out as invalid included: what Reset needs to compile the
// same objects again, with the same warnings.
func (t *Tracker) Objects() *Set { return t.objects(true) }

func (t *Tracker) objects(skipped bool) *Set {
	set := &Set{Warnings: slices.Clone(t.setWarnings)}
	for k := range kindCount {
		for _, e := range t.sorted(kind(k)) {
			if skipped || e.skip == nil {
				set.addObject(e.n.obj)
			}
		}
	}
	return set
}

// addObject appends one object to its kind's list.
func (s *Set) addObject(obj any) {
	switch v := obj.(type) {
	case Ingress:
		s.Ingresses = append(s.Ingresses, v)
	case IngressClass:
		s.IngressClasses = append(s.IngressClasses, v)
	case Service:
		s.Services = append(s.Services, v)
	case EndpointSlice:
		s.EndpointSlices = append(s.EndpointSlices, v)
	case Secret:
		s.Secrets = append(s.Secrets, v)
	case ConfigMap:
		s.ConfigMaps = append(s.ConfigMaps, v)
	}
}

// Secret returns the Secret stored under "namespace/name", if any.
func (t *Tracker) Secret(key string) (Secret, bool) {
	if e := t.objs[kindSecret][key]; e != nil {
		return e.n.obj.(Secret), true
	}
	return Secret{}, false
}

// outputLists makes the warnings and TLS hosts of a result from its groups.
func (t *Tracker) outputLists(groups []*group, emitted func(*group) []Warning, classWarnings []Warning) ([]Warning, []TLSHost) {
	nw, nt := len(t.setWarnings)+len(classWarnings), 0
	for _, g := range groups {
		nw += len(g.warnings) + len(emitted(g))
		nt += len(g.tls)
	}
	var warnings []Warning
	var tls []TLSHost
	if nw > 0 {
		warnings = make([]Warning, 0, nw)
	}
	if nt > 0 {
		tls = make([]TLSHost, 0, nt)
	}
	warnings = append(append(warnings, t.setWarnings...), classWarnings...)
	for _, g := range groups {
		tls = append(tls, g.tls...)
		warnings = append(warnings, g.warnings...)
		warnings = append(warnings, emitted(g)...)
	}
	return warnings, tls
}

// sameOutput reports whether the fresh groups give exactly the warnings
// and TLS hosts of the groups they replace, in the same places, so that
// the previous result's lists serve again: the usual case when only
// endpoints moved. It costs what the groups hold, not the whole list.
func (t *Tracker) sameOutput(affected map[*group]bool, fresh []*group, emitted func(*group) []Warning, classWarnings []Warning, moved func() []*group) bool {
	if len(fresh) != len(affected) || !slices.Equal(classWarnings, t.classWarnings) ||
		len(t.compiled.Warnings) < len(t.setWarnings) || !slices.Equal(t.compiled.Warnings[:len(t.setWarnings)], t.setWarnings) {
		return false
	}
	fromFresh := make(map[*group]bool, len(fresh))
	for _, g := range fresh {
		fromFresh[g] = true
	}
	for _, g := range moved() {
		if !fromFresh[g] {
			return false // a backend's warning moved to another group
		}
	}
	bySeq := make(map[int]*group, len(affected))
	for g := range affected {
		bySeq[g.members[0].seq] = g
	}
	for _, g := range fresh {
		old := bySeq[g.members[0].seq]
		if old == nil || len(old.members) != len(g.members) || !slices.Equal(old.warnings, g.warnings) ||
			!slices.Equal(old.tls, g.tls) || !slices.Equal(t.backends.emitted[old], emitted(g)) {
			return false
		}
		for i := range g.members {
			if old.members[i].seq != g.members[i].seq {
				return false
			}
		}
	}
	return true
}
