package cluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"k8s.io/apimachinery/pkg/runtime"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ingressmux/ingressmux/gateway"
	"github.com/ingressmux/ingressmux/ingress"
)

// source is the Source of every object a Source reads, as warnings and
// errors show it.
var source = ingress.Source{File: "cluster"}

// syncState is what one sync leaves for the next. Only the sync job
// touches it, and the queue never runs two syncs at once.
type syncState struct {
	// lastGood holds, per Ingress ("namespace/name"), the last version
	// that compiled, to keep serving while a bad update is in place.
	lastGood map[string]*networkingv1.Ingress
	// reported holds, per Ingress, the problem last reported in an Event
	// and the log, so that each is said once, not on every sync.
	reported map[string]string
	// leftOut holds the error last logged for each object of another kind
	// left out, so that it is logged once.
	leftOut map[string]string
	// warned holds the warnings of the last sync, so that only new ones
	// are logged.
	warned  map[string]bool
	applied int // successful syncs
	// gatewayGood holds, per Gateway API object ("kind namespace/name"),
	// the last version the Target took; gatewayBad the objects it refused,
	// with their resource version and why; gatewayReported the problem
	// last reported of each, as reported does for Ingresses.
	gatewayGood     map[string]gatewayObject
	gatewayBad      map[string]badGatewayObject
	gatewayReported map[string]string
	// gatewaySnapshot is whether the last snapshot held the Gateway API
	// objects (their informers had started).
	gatewaySnapshot bool
}

func (st *syncState) init() {
	st.lastGood = map[string]*networkingv1.Ingress{}
	st.reported = map[string]string{}
	st.leftOut = map[string]string{}
	st.gatewayGood = map[string]gatewayObject{}
	st.gatewayBad = map[string]badGatewayObject{}
	st.gatewayReported = map[string]string{}
}

// sync builds the object set from the informer caches and hands it to the
// Target. An Ingress that fails is left out, or served in its last good
// version; an invalid object of another kind is left out, so that nothing
// one object does takes the others down.
func (s *Source) sync(ctx context.Context) error {
	if ctx.Err() != nil {
		return nil
	}
	start, changes := time.Now(), s.changes.Load()
	set, err := s.snapshot()
	if err != nil {
		return err
	}
	current := map[string]*networkingv1.Ingress{}
	for _, ing := range set.Ingresses {
		current[key(ing.Namespace, ing.Name)] = ing.Ingress
	}
	// Updates of Ingresses that compiled before are checked first, so that
	// a bad one is never out of service, not even between two compiles:
	// its last good version goes in its place from the start.
	problems := s.precheck(set)
	restored := slices.Collect(maps.Keys(problems))
	if err := s.replace(ctx, s.withLastGood(set, restored)); err != nil {
		return err
	}
	for k, reasons := range skippedIngresses(s.cfg.Target.Warnings()) {
		if slices.Contains(restored, k) {
			// The last good version fails now too (its Service went
			// away, say): it is left out like any other.
			restored = slices.DeleteFunc(restored, func(r string) bool { return r == k })
			continue
		}
		problems[k] = reasons
	}
	// A bad update the check missed (it depends on other Ingresses): the
	// old version goes in, which takes a second compile.
	var late []string
	for k := range problems {
		if !slices.Contains(restored, k) && s.updatedSinceGood(current[k]) {
			late = append(late, k)
		}
	}
	if len(late) > 0 {
		restored = append(restored, late...)
		if err := s.replace(ctx, s.withLastGood(set, restored)); err != nil {
			return err
		}
		for k := range skippedIngresses(s.cfg.Target.Warnings()) {
			if _, known := problems[k]; known {
				restored = slices.DeleteFunc(restored, func(r string) bool { return r == k })
			}
		}
	}
	for k, ing := range current {
		if _, bad := problems[k]; !bad {
			s.syncs.lastGood[k] = ing
		}
	}
	// Deleted Ingresses leave no state behind.
	maps.DeleteFunc(s.syncs.lastGood, func(k string, _ *networkingv1.Ingress) bool { return current[k] == nil })
	maps.DeleteFunc(s.syncs.reported, func(k, _ string) bool { return current[k] == nil })
	s.report(current, problems, restored)
	s.logNewWarnings(s.cfg.Target.Warnings())
	s.setServed(set, problems, restored)

	s.compiled.Store(changes)
	s.syncs.applied++
	msg := "cluster: change applied"
	if s.syncs.applied == 1 {
		msg = "cluster: initial sync applied"
	}
	attrs := []any{"ingresses", len(set.Ingresses), "skipped", len(problems) - len(restored), "lastGood", len(restored)}
	if s.informers.gateway.Load() != nil {
		attrs = append(attrs, "gateways", len(set.Gateways), "routes", len(set.HTTPRoutes)+len(set.GRPCRoutes))
	}
	s.logger.Info(msg, append(attrs, "took", time.Since(start).Round(time.Millisecond))...)
	if !s.ready.Swap(true) {
		s.logger.Info("cluster: ready")
	}
	s.statusChanged()
	return nil
}

// logNewWarnings logs the warnings that the last sync did not have.
// Objects change all the time in a cluster: repeating every standing
// warning on each change would bury the new ones. Skipped Ingresses are
// reported with their Events, not here.
func (s *Source) logNewWarnings(warnings []ingress.Warning) {
	now := make(map[string]bool, len(warnings))
	for _, w := range warnings {
		if w.SkippedIngress() {
			continue
		}
		text := w.String()
		if !now[text] && !s.syncs.warned[text] {
			s.logger.Warn("cluster: " + text)
		}
		now[text] = true
	}
	s.syncs.warned = now
}

// updatedSinceGood reports whether ing is a newer version of an Ingress
// that compiled before (not a new object with the same name).
func (s *Source) updatedSinceGood(ing *networkingv1.Ingress) bool {
	good := s.syncs.lastGood[key(ing.Namespace, ing.Name)]
	return good != nil && good.UID == ing.UID && good.ResourceVersion != ing.ResourceVersion
}

// precheck returns, for each Ingress updated since its last good version
// whose new version fails, the reasons. It compiles only those Ingresses,
// with every object of the other kinds, which finds the errors of one
// Ingress (validation, annotations, regexes, backends) at a fraction of
// the cost of the whole compile.
func (s *Source) precheck(set *ingress.Set) map[string][]string {
	problems := map[string][]string{}
	check := *set
	check.Ingresses, check.Warnings = nil, nil
	for _, ing := range set.Ingresses {
		if s.updatedSinceGood(ing.Ingress) {
			check.Ingresses = append(check.Ingresses, ing)
		}
	}
	if len(check.Ingresses) == 0 {
		return problems
	}
	opts := s.cfg.Options
	opts.SkipInvalidIngresses = true
	checked, compiled, _ := ingress.CompileSet(&check, opts)
	warnings := checked.Warnings
	if compiled != nil {
		warnings = compiled.Warnings
	}
	maps.Copy(problems, skippedIngresses(warnings))
	return problems
}

// withLastGood returns set with the last good version of each Ingress in
// keys in place of its current one.
func (s *Source) withLastGood(set *ingress.Set, keys []string) *ingress.Set {
	if len(keys) == 0 {
		return set
	}
	out := *set
	out.Ingresses = slices.Clone(set.Ingresses)
	for i, ing := range out.Ingresses {
		if k := key(ing.Namespace, ing.Name); slices.Contains(keys, k) {
			out.Ingresses[i].Ingress = s.syncs.lastGood[k]
		}
	}
	return &out
}

// replace hands set to the Target. When the Target refuses it for objects
// other than Ingresses (which it skips itself), those objects are left out
// with a warning, a Gateway API object in its last good version where it
// has one, and the rest is tried once more. Gateway API objects known to
// be bad from an earlier sync are handled so from the start.
func (s *Source) replace(ctx context.Context, set *ingress.Set) error {
	badGateway := map[string]string{}
	try := s.withoutBadGateway(set, badGateway)
	err := s.cfg.Target.ReplaceObjects(ctx, try)
	var errs ingress.ErrorList
	if err == nil {
		clear(s.syncs.leftOut)
	}
	if err != nil {
		if !errors.As(err, &errs) {
			return err
		}
		bad := map[string]bool{}
		for _, e := range errs {
			if e.Object == "" || strings.HasPrefix(e.Object, "ingress ") {
				return err // nothing to leave out: a real failure
			}
			if isGatewayRef(e.Object) {
				reason := strings.TrimPrefix(e.Error(), e.Source.String()+": "+e.Object+": ")
				badGateway[e.Object] = strings.TrimPrefix(badGateway[e.Object]+"; "+reason, "; ")
				continue
			}
			if !bad[e.Object] && s.syncs.leftOut[e.Object] != e.Error() {
				s.logger.Warn("cluster: object left out", "object", e.Object, "err", e.Error())
			}
			bad[e.Object] = true
			s.syncs.leftOut[e.Object] = e.Error()
		}
		try = s.withoutBadGateway(without(set, bad), badGateway)
		if err := s.cfg.Target.ReplaceObjects(ctx, try); err != nil {
			return err
		}
	}
	s.gatewayApplied(set, try, badGateway)
	return nil
}

// snapshot lists every watched object from the caches into a Set. Objects
// are sorted by namespace and name, so that Ingresses with the same
// creationTimestamp merge in the same order on every replica.
func (s *Source) snapshot() (*ingress.Set, error) {
	set := &ingress.Set{}
	errs := []error{collect(&set.IngressClasses, s.informers.classes.List, func(o *networkingv1.IngressClass) (ingress.IngressClass, bool) {
		return ingress.IngressClass{IngressClass: o, Source: source}, true
	})}
	for _, sc := range s.informers.scopes {
		errs = append(errs,
			collect(&set.Ingresses, sc.ingresses.List, func(o *networkingv1.Ingress) (ingress.Ingress, bool) {
				return ingress.Ingress{Ingress: o, Source: source}, true
			}),
			collect(&set.Services, sc.services.List, func(o *corev1.Service) (ingress.Service, bool) {
				return ingress.Service{Service: o, Source: source}, true
			}),
			collect(&set.EndpointSlices, sc.endpointSlices.List, func(o *discoveryv1.EndpointSlice) (ingress.EndpointSlice, bool) {
				return ingress.EndpointSlice{EndpointSlice: o, Source: source}, true
			}),
			collect(&set.Secrets, sc.secrets.List, func(o *corev1.Secret) (ingress.Secret, bool) {
				return ingress.Secret{Secret: o, Source: source}, routingSecretTypes[o.Type]
			}),
			collect(&set.ConfigMaps, sc.configMaps.List, func(o *corev1.ConfigMap) (ingress.ConfigMap, bool) {
				return ingress.ConfigMap{ConfigMap: o, Source: source}, true
			}))
	}
	gw := s.informers.gateway.Load()
	s.syncs.gatewaySnapshot = gw != nil
	errs = append(errs, gw.snapshot(set))
	return set, errors.Join(errs...)
}

// collect appends to dst the objects list returns, sorted, each wrapped,
// leaving out those wrap says not to keep.
func collect[T named, W any](dst *[]W, list func(labels.Selector) ([]T, error), wrap func(T) (W, bool)) error {
	objs, err := list(labels.Everything())
	if err != nil {
		return err
	}
	for _, o := range sorted(objs) {
		if w, keep := wrap(o); keep {
			*dst = append(*dst, w)
		}
	}
	return nil
}

// named is what sorted needs of an object.
type named interface {
	GetNamespace() string
	GetName() string
}

func sorted[T named](objs []T) []T {
	slices.SortFunc(objs, func(a, b T) int {
		return cmp.Or(cmp.Compare(a.GetNamespace(), b.GetNamespace()), cmp.Compare(a.GetName(), b.GetName()))
	})
	return objs
}

func key(namespace, name string) string { return namespace + "/" + name }

// skippedIngresses collects, per Ingress ("namespace/name"), the reasons
// the Target left it out.
func skippedIngresses(warnings []ingress.Warning) map[string][]string {
	out := map[string][]string{}
	for _, w := range warnings {
		if !w.SkippedIngress() {
			continue
		}
		k := strings.TrimPrefix(w.Object, "ingress ")
		reason := strings.TrimPrefix(w.Message, "Ingress skipped (SkipInvalidIngresses): ")
		if w.Field != "" {
			reason = w.Field + ": " + reason
		}
		out[k] = append(out[k], reason)
	}
	return out
}

// without returns a copy of set without the objects named in bad ("kind
// namespace/name").
func without(set *ingress.Set, bad map[string]bool) *ingress.Set {
	out := *set
	out.Services = slices.DeleteFunc(slices.Clone(set.Services), func(o ingress.Service) bool { return bad[o.Ref()] })
	out.EndpointSlices = slices.DeleteFunc(slices.Clone(set.EndpointSlices), func(o ingress.EndpointSlice) bool { return bad[o.Ref()] })
	out.Secrets = slices.DeleteFunc(slices.Clone(set.Secrets), func(o ingress.Secret) bool { return bad[o.Ref()] })
	out.ConfigMaps = slices.DeleteFunc(slices.Clone(set.ConfigMaps), func(o ingress.ConfigMap) bool { return bad[o.Ref()] })
	out.IngressClasses = slices.DeleteFunc(slices.Clone(set.IngressClasses), func(o ingress.IngressClass) bool { return bad[o.Ref()] })
	out.Namespaces = slices.DeleteFunc(slices.Clone(set.Namespaces), func(o ingress.Namespace) bool { return bad[o.Ref()] })
	return &out
}

// Event reasons.
const (
	// ReasonInvalid marks an Ingress left out because of its errors.
	ReasonInvalid = "Invalid"
	// ReasonKeptLastGood marks an Ingress whose new version has errors and
	// whose last good version keeps serving.
	ReasonKeptLastGood = "KeptLastGood"
	// ReasonSync marks an Ingress served again after its errors were fixed.
	ReasonSync = "Sync"
)

// maxEventMessage bounds an Event's message; the apiserver refuses
// messages over 1 KiB in the events API.
const maxEventMessage = 1000

// report says once, in an Event on the Ingress and in the log, what
// happened to each Ingress with problems, and when it is fixed.
func (s *Source) report(current map[string]*networkingv1.Ingress, problems map[string][]string, restored []string) {
	now := make(map[string]problem, len(problems))
	for k, reasons := range problems {
		ing := current[k]
		why := strings.Join(reasons, "; ")
		p := problem{obj: ing, reason: ReasonInvalid, msg: "skipped, not served: " + why}
		if slices.Contains(restored, k) {
			p.reason = ReasonKeptLastGood
			p.msg = keptLastGood(ing.ResourceVersion, s.syncs.lastGood[k].ResourceVersion, why)
		}
		now[k] = p
	}
	s.announce(s.syncs.reported, "ingress", func(k string) string { return "ingress " + k }, now,
		func(k string) eventObject {
			if ing := current[k]; ing != nil {
				return ing
			}
			return nil
		})
}

// eventObject is an object an Event can be about.
type eventObject interface {
	runtime.Object
	GetResourceVersion() string
}

// problem is what is wrong with one object: the Event reason and message.
type problem struct {
	obj         eventObject
	reason, msg string
}

// keptLastGood is the message for an object whose new version has errors
// while its last good version keeps serving.
func keptLastGood(resourceVersion, goodVersion, why string) string {
	return fmt.Sprintf("update not applied (resourceVersion %s); still serving the last good version (resourceVersion %s): %s",
		resourceVersion, goodVersion, why)
}

// announce says each problem once per object version, in the log (under
// logKey) and in a Warning Event, and says when an object reported before
// is valid again, if it still exists (present). reported holds what was
// said, by object key; label names an object in the log.
func (s *Source) announce(reported map[string]string, logKey string, label func(key string) string, problems map[string]problem, present func(key string) eventObject) {
	for k, p := range problems {
		said := p.obj.GetResourceVersion() + "\x00" + p.msg
		if reported[k] == said {
			continue
		}
		reported[k] = said
		s.logger.Warn("cluster: "+label(k)+": "+p.msg, logKey, k, "reason", p.reason)
		s.recorder.Event(p.obj, corev1.EventTypeWarning, p.reason, truncate(p.msg, maxEventMessage))
	}
	for k := range reported {
		if _, still := problems[k]; still {
			continue
		}
		delete(reported, k)
		if obj := present(k); obj != nil {
			s.logger.Info("cluster: "+label(k)+": valid again; serving it", logKey, k)
			s.recorder.Event(obj, corev1.EventTypeNormal, ReasonSync, "valid again; serving resourceVersion "+obj.GetResourceVersion())
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-len("...")] + "..."
}

// setServed records the Ingresses whose status the leader writes: those of
// our class that are served, in their current or last good version.
func (s *Source) setServed(set *ingress.Set, problems map[string][]string, restored []string) {
	var served []servedIngress
	for _, ing := range set.Ingresses {
		k := key(ing.Namespace, ing.Name)
		if _, bad := problems[k]; bad && !slices.Contains(restored, k) {
			continue
		}
		if s.cfg.Options.Serves(set, ing) {
			served = append(served, servedIngress{namespace: ing.Namespace, name: ing.Name, uid: ing.UID})
		}
	}
	var compiled *gateway.Compiled
	if gt, ok := s.cfg.Target.(GatewayTarget); ok {
		compiled = gt.Gateway()
	}
	s.servedMu.Lock()
	s.served, s.gatewayCompiled, s.gatewaySynced = served, compiled, s.syncs.gatewaySnapshot
	s.servedMu.Unlock()
}

// servedIngress names an Ingress whose status this instance writes.
type servedIngress struct {
	namespace, name string
	uid             types.UID
}
