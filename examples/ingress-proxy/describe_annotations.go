package main

import (
	"strconv"
	"strings"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
)

// annotationIndex finds the annotations of the loaded Ingresses, for the
// settings -check shows as they were written: the Secrets an Ingress
// names, and values that match the default but were asked for.
type annotationIndex struct {
	byRef  map[proxy.ObjectRef]map[string]string
	prefix string
}

func newAnnotationIndex(set *ingress.Set, opts ingress.Options) annotationIndex {
	x := annotationIndex{byRef: map[proxy.ObjectRef]map[string]string{}, prefix: opts.AnnotationPrefix}
	if x.prefix == "" {
		x.prefix = ingress.DefaultAnnotationPrefix
	}
	if set == nil {
		return x
	}
	for _, ing := range set.Ingresses {
		x.byRef[proxy.ObjectRef{Kind: "Ingress", Namespace: ing.Namespace, Name: ing.Name}] = ing.Annotations
	}
	return x
}

// of returns the annotations of the object o.
func (x annotationIndex) of(o proxy.ObjectRef) annotationsOf {
	return annotationsOf{values: x.byRef[o], prefix: x.prefix, namespace: o.Namespace}
}

// annotationsOf are the annotations of one Ingress.
type annotationsOf struct {
	values    map[string]string
	prefix    string
	namespace string
}

// get returns the value of the annotation name (without prefix), trimmed.
func (a annotationsOf) get(name string) string {
	return strings.TrimSpace(a.values[a.prefix+"/"+name])
}

// bool returns the annotation name read as a boolean.
func (a annotationsOf) bool(name string) bool {
	b, _ := strconv.ParseBool(a.get(name))
	return b
}

// local returns the annotation name, a reference to an object of the
// Ingress's namespace, as "namespace/name".
func (a annotationsOf) local(name string) string {
	v := a.get(name)
	if v == "" || strings.Contains(v, "/") {
		return v
	}
	return a.namespace + "/" + v
}
