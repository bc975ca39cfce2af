package ingress

import (
	"net/netip"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ClassAnnotation is the legacy annotation that named an Ingress's class
// before spec.ingressClassName existed. It is still honoured.
const ClassAnnotation = "kubernetes.io/ingress.class"

// The apiserver's path rules for Exact and Prefix paths: sequences and
// suffixes that would make the path ambiguous once normalised.
var (
	invalidPathSequences = []string{"//", "/./", "/../", "%2f", "%2F"}
	invalidPathSuffixes  = []string{"/..", "/."}
	supportedPathTypes   = []networkingv1.PathType{
		networkingv1.PathTypeExact, networkingv1.PathTypeImplementationSpecific, networkingv1.PathTypePrefix,
	}
)

// validateIngress applies the apiserver's create-time validation of a
// networking.k8s.io/v1 Ingress, with its field paths and wording.
func validateIngress(ing *networkingv1.Ingress, c *checkCache) field.ErrorList {
	errs := validateMeta(ing, true, apivalidation.NameIsDNSSubdomain, c)
	spec := &ing.Spec
	specPath := newFieldPath("spec")
	if len(spec.Rules) == 0 && spec.DefaultBackend == nil {
		errs = append(errs, field.Invalid(specPath.path(), field.OmitValueType{}, "either `defaultBackend` or `rules` must be specified"))
	}
	if spec.DefaultBackend != nil {
		errs = append(errs, validateBackend(spec.DefaultBackend, specPath.child("defaultBackend"), c)...)
	}
	for i := range spec.Rules {
		errs = append(errs, validateRule(&spec.Rules[i], specPath.child("rules").index(i), c)...)
	}
	for i := range spec.TLS {
		errs = append(errs, validateTLS(&spec.TLS[i], specPath.child("tls").index(i), c)...)
	}
	if spec.IngressClassName != nil {
		// apimachinery's NameIsDNSSubdomain is IsDNS1123Subdomain.
		errs = append(errs, invalidEach(specPath.child("ingressClassName"), *spec.IngressClassName,
			c.check(checkSubdomain, *spec.IngressClassName))...)
	}
	if class, set := ing.Annotations[ClassAnnotation]; set && spec.IngressClassName != nil && class != *spec.IngressClassName {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "annotations").Key(ClassAnnotation), class,
			"must match `ingressClassName` when both are specified"))
	}
	return errs
}

func validateRule(rule *networkingv1.IngressRule, rulePath fieldPath, c *checkCache) field.ErrorList {
	var errs field.ErrorList
	if host := rule.Host; host != "" {
		hostPath := rulePath.child("host")
		if isIP(host) {
			errs = append(errs, field.Invalid(hostPath.path(), host, "must be a DNS name, not an IP address"))
		}
		if strings.Contains(host, "*") {
			errs = append(errs, invalidEach(hostPath, host, validation.IsWildcardDNS1123Subdomain(host))...)
		} else {
			errs = append(errs, invalidEach(hostPath, host, c.check(checkSubdomain, host))...)
		}
	}
	if rule.HTTP == nil {
		return errs
	}
	pathsPath := rulePath.child("http", "paths")
	if len(rule.HTTP.Paths) == 0 {
		errs = append(errs, field.Required(pathsPath.path(), ""))
	}
	for i := range rule.HTTP.Paths {
		errs = append(errs, validatePath(&rule.HTTP.Paths[i], pathsPath.index(i), c)...)
	}
	return errs
}

// isIP accepts what the apiserver's sloppy parser accepts: IPv4 (also with
// leading zeros) and IPv6. Every host of every rule comes here, nearly
// all of them names: those are told apart without an allocation (a failed
// netip.ParseAddr makes an error, strings.Split a slice).
func isIP(host string) bool {
	if strings.Contains(host, ":") {
		// Only IPv6 has colons; the leading-zero IPv4 form has none. The
		// apiserver's parser takes no zone ("fe80::1%eth0").
		addr, err := netip.ParseAddr(host)
		return err == nil && addr.Zone() == ""
	}
	// IPv4, as the sloppy parser reads it: four decimal numbers of one to
	// three digits, leading zeros allowed, each at most 255.
	parts := 0
	for p := range strings.SplitSeq(host, ".") {
		parts++
		if parts > 4 || p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
		if n, _ := strconv.Atoi(p); n > 255 {
			return false
		}
	}
	return parts == 4
}

func validatePath(p *networkingv1.HTTPIngressPath, pathPath fieldPath, c *checkCache) field.ErrorList {
	var errs field.ErrorList
	if p.PathType == nil {
		return append(errs, field.Required(pathPath.child("pathType").path(), "pathType must be specified"))
	}
	valuePath := pathPath.child("path")
	switch *p.PathType {
	case networkingv1.PathTypeExact, networkingv1.PathTypePrefix:
		if !strings.HasPrefix(p.Path, "/") {
			errs = append(errs, field.Invalid(valuePath.path(), p.Path, "must be an absolute path"))
		}
		for _, seq := range invalidPathSequences {
			if strings.Contains(p.Path, seq) {
				errs = append(errs, field.Invalid(valuePath.path(), p.Path, "must not contain '"+seq+"'"))
			}
		}
		for _, suffix := range invalidPathSuffixes {
			if strings.HasSuffix(p.Path, suffix) {
				errs = append(errs, field.Invalid(valuePath.path(), p.Path, "cannot end with '"+suffix+"'"))
			}
		}
	case networkingv1.PathTypeImplementationSpecific:
		if p.Path != "" && !strings.HasPrefix(p.Path, "/") {
			errs = append(errs, field.Invalid(valuePath.path(), p.Path, "must be an absolute path"))
		}
	default:
		errs = append(errs, field.NotSupported(pathPath.child("pathType").path(), *p.PathType, supportedPathTypes))
	}
	return append(errs, validateBackend(&p.Backend, pathPath.child("backend"), c)...)
}

func validateBackend(b *networkingv1.IngressBackend, backendPath fieldPath, c *checkCache) field.ErrorList {
	var errs field.ErrorList
	switch {
	case b.Resource != nil && b.Service != nil:
		return append(errs, field.Invalid(backendPath.path(), "", "cannot set both resource and service backends"))
	case b.Resource != nil:
		return validateResourceRef(b.Resource.APIGroup, b.Resource.Kind, b.Resource.Name, backendPath.child("resource"))
	case b.Service == nil:
		return append(errs, field.Invalid(backendPath.path(), "", "resource or service backend is required"))
	}
	svc := b.Service
	if svc.Name == "" {
		errs = append(errs, field.Required(backendPath.child("service", "name").path(), ""))
	} else {
		// apimachinery's NameIsDNS1035Label is IsDNS1035Label.
		if msgs := c.check(checkDNS1035Label, svc.Name); len(msgs) > 0 {
			errs = append(errs, invalidEach(backendPath.child("service", "name"), svc.Name, msgs)...)
		}
	}
	hasName, hasNumber := svc.Port.Name != "", svc.Port.Number != 0
	switch {
	case hasName && hasNumber:
		errs = append(errs, field.Invalid(backendPath.path(), "", "cannot set both port name & port number"))
	case hasName:
		if msgs := c.check(checkPortName, svc.Port.Name); len(msgs) > 0 {
			errs = append(errs, invalidEach(backendPath.child("service", "port", "name"), svc.Port.Name, msgs)...)
		}
	case hasNumber:
		if msgs := validation.IsValidPortNum(int(svc.Port.Number)); len(msgs) > 0 {
			errs = append(errs, invalidEach(backendPath.child("service", "port", "number"), svc.Port.Number, msgs)...)
		}
	default:
		errs = append(errs, field.Required(backendPath.path(), "port name or number is required"))
	}
	return errs
}

// validateResourceRef checks a TypedLocalObjectReference as the apiserver
// does for resource backends and IngressClass parameters.
func validateResourceRef(apiGroup *string, kind, name string, refPath fieldPath) field.ErrorList {
	var errs field.ErrorList
	if apiGroup != nil {
		errs = append(errs, invalidEach(refPath.child("apiGroup"), *apiGroup, validation.IsDNS1123Subdomain(*apiGroup))...)
	}
	if kind == "" {
		errs = append(errs, field.Required(refPath.child("kind").path(), "kind is required"))
	} else {
		errs = append(errs, invalidEach(refPath.child("kind"), kind, content.IsPathSegmentName(kind))...)
	}
	if name == "" {
		errs = append(errs, field.Required(refPath.child("name").path(), "name is required"))
	} else {
		errs = append(errs, invalidEach(refPath.child("name"), name, content.IsPathSegmentName(name))...)
	}
	return errs
}

func validateTLS(tls *networkingv1.IngressTLS, tlsPath fieldPath, c *checkCache) field.ErrorList {
	var errs field.ErrorList
	for i, host := range tls.Hosts {
		hostPath := tlsPath.child("hosts").index(i)
		if strings.Contains(host, "*") {
			errs = append(errs, invalidEach(hostPath, host, validation.IsWildcardDNS1123Subdomain(host))...)
		} else {
			errs = append(errs, invalidEach(hostPath, host, c.check(checkSubdomain, host))...)
		}
	}
	if tls.SecretName != "" {
		errs = append(errs, invalidEach(tlsPath.child("secretName"), tls.SecretName, c.check(checkSubdomain, tls.SecretName))...)
	}
	return errs
}
