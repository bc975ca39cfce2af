package ingress

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	networkingv1beta1 "k8s.io/api/networking/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kindDecoder decodes one kind of object into a Set.
type kindDecoder struct {
	// decode copies the object's strings to arena, shared by the objects
	// of one input.
	decode func(set *Set, n *yaml.Node, kind string, src Source, ref *docRef, arena *decodeArena) ErrorList
}

// kinds lists every apiVersion and kind that ingressmux reads. Anything else
// is skipped with a warning.
var kinds = map[typeMeta]kindDecoder{
	{"networking.k8s.io/v1", "Ingress"}: typed(true, func(set *Set, obj *networkingv1.Ingress, src Source, ref *docRef) {
		set.Ingresses = append(set.Ingresses, Ingress{Ingress: obj, Source: src, doc: ref})
	}),
	{"networking.k8s.io/v1beta1", "Ingress"}: typed(true, func(set *Set, obj *networkingv1beta1.Ingress, src Source, ref *docRef) {
		ing := Ingress{Ingress: ingressFromV1beta1(obj), Source: src, doc: ref}
		set.Ingresses = append(set.Ingresses, ing)
		set.Warnings = append(set.Warnings, deprecatedIngress(ing, "networking.k8s.io/v1beta1"))
	}),
	{"extensions/v1beta1", "Ingress"}: typed(true, func(set *Set, obj *networkingv1beta1.Ingress, src Source, ref *docRef) {
		ing := Ingress{Ingress: ingressFromV1beta1(obj), Source: src, doc: ref}
		set.Ingresses = append(set.Ingresses, ing)
		set.Warnings = append(set.Warnings, deprecatedIngress(ing, "extensions/v1beta1"))
	}),
	{"networking.k8s.io/v1", "IngressClass"}: typed(false, func(set *Set, obj *networkingv1.IngressClass, src Source, ref *docRef) {
		set.IngressClasses = append(set.IngressClasses, IngressClass{IngressClass: obj, Source: src, doc: ref})
	}),
	{"v1", "Service"}: typed(true, func(set *Set, obj *corev1.Service, src Source, ref *docRef) {
		set.Services = append(set.Services, Service{Service: obj, Source: src, doc: ref})
	}),
	{"v1", "Secret"}: typed(true, func(set *Set, obj *corev1.Secret, src Source, ref *docRef) {
		// stringData is a write-only convenience: the apiserver merges it into
		// data, and its keys win.
		for k, v := range obj.StringData {
			if obj.Data == nil {
				obj.Data = make(map[string][]byte, len(obj.StringData))
			}
			obj.Data[k] = []byte(v)
		}
		obj.StringData = nil
		set.Secrets = append(set.Secrets, Secret{Secret: obj, Source: src, doc: ref})
	}),
	{"v1", "ConfigMap"}: typed(true, func(set *Set, obj *corev1.ConfigMap, src Source, ref *docRef) {
		set.ConfigMaps = append(set.ConfigMaps, ConfigMap{ConfigMap: obj, Source: src, doc: ref})
	}),
	{"discovery.k8s.io/v1", "EndpointSlice"}: typed(true, func(set *Set, obj *discoveryv1.EndpointSlice, src Source, ref *docRef) {
		set.EndpointSlices = append(set.EndpointSlices, EndpointSlice{EndpointSlice: obj, Source: src, doc: ref})
	}),
}

// supportedVersions lists the apiVersions read for kind, for warnings.
func supportedVersions(kind string) string {
	var versions []string
	for tm := range kinds {
		if tm.kind == kind {
			versions = append(versions, tm.apiVersion)
		}
	}
	slices.Sort(versions)
	return strings.Join(versions, ", ")
}

// typed builds the decoder of one Go type: a strict, schema-checked
// conversion of the YAML node to JSON text, then encoding/json into the API type (which
// runs the API types' own decoders for quantities, timestamps and
// int-or-string), unless the conversion could store every value itself
// (see direct.go), then namespace defaulting. Objects without a namespace go
// to "default", as kubectl apply does.
func typed[T any](namespaced bool, store func(*Set, *T, Source, *docRef)) kindDecoder {
	plan := planOf(reflect.TypeFor[T]())
	return kindDecoder{decode: func(set *Set, n *yaml.Node, kind string, src Source, ref *docRef, arena *decodeArena) ErrorList {
		conv := converter{arena: arena}
		scratch := conv.takeScratch()
		obj := new(T)
		// Most objects are stored whole without problems, and their JSON
		// text is never read: the first pass writes none. For the others,
		// a second pass converts the object again from scratch, writing
		// the JSON text that encoding/json then decodes.
		conv.direct = !jsonOnly.Load()
		conv.storeOnly = conv.direct
		conv.convert(n, plan, reflect.ValueOf(obj).Elem(), 0)
		// A limit met after storing stopped was met on a walk that
		// skipped values: the full walk says where it is really met.
		if conv.storeOnly && (!conv.direct || len(conv.errs) > 0) {
			conv.again()
			conv.convert(n, plan, reflect.Value{}, 0)
		}
		ref.setLines(&conv)
		// The name is made only for errors: most objects have none.
		name := func() string { return nameFromNode(n, kind, namespaced) }
		if conv.fatal != nil {
			conv.putScratch(scratch)
			src.Line = conv.fatalLine
			return ErrorList{{Source: src, Object: name(), Err: conv.fatal}}
		}
		err := conv.outErr
		if err == nil && (!conv.direct || len(conv.errs) > 0) {
			// Not all of it could be stored directly, or there are
			// problems: encoding/json decodes what could be read.
			obj = new(T)
			err = json.Unmarshal(conv.out, obj)
		}
		conv.putScratch(scratch) // encoding/json keeps none of the text
		if meta, ok := any(obj).(metav1.Object); ok && err == nil && namespaced && meta.GetNamespace() == "" {
			meta.SetNamespace(metav1.NamespaceDefault)
		}
		if len(conv.errs) > 0 {
			name := name()
			errs := make(ErrorList, len(conv.errs))
			for i, p := range conv.errs {
				s := src
				s.Line = p.line
				errs[i] = &Error{Source: s, Object: name, Field: p.err}
				if p.shadow != "" {
					ref.shadow = append(ref.shadow, p.shadow)
				}
			}
			if err == nil {
				// What could be read is validated too (never compiled), so
				// that a typo does not hide the object's other mistakes.
				store(set.partialSet(), obj, src, ref)
			}
			return errs
		}
		if err != nil {
			return ErrorList{{Source: src, Object: name(), Err: fmt.Errorf("cannot decode: %w", err)}}
		}
		store(set, obj, src, ref)
		return nil
	}}
}

// nameFromNode reads "kind namespace/name" from a node that may not decode,
// so that even a broken object is named in its errors.
func nameFromNode(n *yaml.Node, kind string, namespaced bool) string {
	meta := mappingValue(n, "metadata")
	namespace := scalarKey(meta, "namespace")
	if namespaced && namespace == "" {
		namespace = metav1.NamespaceDefault
	}
	if !namespaced {
		namespace = ""
	}
	return objectName(strings.ToLower(kind), namespace, scalarKey(meta, "name"))
}

func deprecatedIngress(ing Ingress, version string) Warning {
	return Warning{Source: ing.Source, Object: ing.Ref(), Message: fmt.Sprintf(
		"%s Ingress is deprecated (removed in Kubernetes 1.22); converted to networking.k8s.io/v1: serviceName/servicePort became service.name/port, a missing pathType became ImplementationSpecific", version)}
}
