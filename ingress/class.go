package ingress

import (
	"fmt"
	"strconv"
)

// DefaultClassAnnotation marks an IngressClass as the cluster default. The
// apiserver gives Ingresses created without a class the default class; a
// loader that sees no cluster does the same when deciding whether a
// class-less Ingress is its own.
const DefaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class"

// classOf returns the class an Ingress asks for: spec.ingressClassName, else
// the legacy annotation, else "".
func classOf(ing Ingress) string {
	if c := ing.Spec.IngressClassName; c != nil && *c != "" {
		return *c
	}
	return ing.Annotations[ClassAnnotation]
}

// defaultClass returns the name of the IngressClass marked default, or "".
// When several are marked, Kubernetes refuses to pick one for new Ingresses;
// so do we, with a warning.
func defaultClass(set *Set) (string, []Warning) {
	var defaults []IngressClass
	for _, c := range set.IngressClasses {
		if v, err := strconv.ParseBool(c.Annotations[DefaultClassAnnotation]); err == nil && v {
			defaults = append(defaults, c)
		}
	}
	switch len(defaults) {
	case 0:
		return "", nil
	case 1:
		return defaults[0].Name, nil
	}
	var warnings []Warning
	for _, c := range defaults[1:] {
		warnings = append(warnings, Warning{Source: c.Source, Object: c.Ref(),
			Field:   fmt.Sprintf("metadata.annotations[%s]", DefaultClassAnnotation),
			Message: fmt.Sprintf("more than one IngressClass is marked default (also %s); class-less Ingresses get no default class", defaults[0].Ref())})
	}
	return "", warnings
}

// unknownClass reports an Ingress whose class names no loaded IngressClass,
// when any IngressClass was loaded at all: a typo there silently moves an
// Ingress to no controller in a cluster.
func unknownClass(set *Set, ing Ingress) (Warning, bool) {
	class := classOf(ing)
	if class == "" || len(set.IngressClasses) == 0 {
		return Warning{}, false
	}
	for _, c := range set.IngressClasses {
		if c.Name == class {
			return Warning{}, false
		}
	}
	fieldPath := "spec.ingressClassName"
	if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName == "" {
		fieldPath = fmt.Sprintf("metadata.annotations[%s]", ClassAnnotation)
	}
	src := ing.Source
	if line := ing.doc.line(fieldPath); line > 0 {
		src.Line = line
	}
	return Warning{Source: src, Object: ing.Ref(), Field: fieldPath, Message: fmt.Sprintf("no IngressClass named %q is loaded", class)}, true
}

// takesIngress decides whether a loader configured for class serves ing,
// and if not, why.
func (o *Options) takesIngress(ing Ingress, defaultClass string) (bool, string) {
	if o.IngressClass == "" {
		return true, ""
	}
	class := classOf(ing)
	if class == "" {
		switch {
		case defaultClass != "" && defaultClass == o.IngressClass:
			return true, ""
		case defaultClass != "":
			return false, fmt.Sprintf("it has no class and the default IngressClass is %q, not %q", defaultClass, o.IngressClass)
		case o.RejectClassless:
			return false, fmt.Sprintf("it has no class, and class-less Ingresses are not taken (class %q)", o.IngressClass)
		}
		return true, ""
	}
	if class != o.IngressClass {
		return false, fmt.Sprintf("its class is %q, not %q", class, o.IngressClass)
	}
	return true, ""
}
