package ingress

import (
	"crypto/tls"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The checks below cover what ingressmux reads from each kind, with the
// apiserver's rules and wording for those fields. Fields ingressmux never
// reads (pod selectors, session affinity of Services, …) are decoded
// strictly but not validated further.

const maxIngressClassControllerLen = 250

func validateIngressClass(c *networkingv1.IngressClass, cache *checkCache) field.ErrorList {
	errs := validateMeta(c, false, apivalidation.NameIsDNSSubdomain, cache)
	specPath := newFieldPath("spec")
	controllerPath := specPath.child("controller")
	switch {
	case c.Spec.Controller == "":
		errs = append(errs, field.Required(controllerPath.path(), ""))
	case len(c.Spec.Controller) > maxIngressClassControllerLen:
		errs = append(errs, field.TooLong(controllerPath.path(), "", maxIngressClassControllerLen))
	default:
		errs = append(errs, validation.IsDomainPrefixedPath(controllerPath.path(), c.Spec.Controller)...)
	}
	if p := c.Spec.Parameters; p != nil {
		paramsPath := specPath.child("parameters")
		errs = append(errs, validateResourceRef(p.APIGroup, p.Kind, p.Name, paramsPath)...)
		scope := networkingv1.IngressClassParametersReferenceScopeCluster
		if p.Scope != nil {
			scope = *p.Scope
		}
		switch scope {
		case networkingv1.IngressClassParametersReferenceScopeCluster:
			if p.Namespace != nil {
				errs = append(errs, field.Forbidden(paramsPath.child("namespace").path(), "`parameters.scope` is set to 'Cluster'"))
			}
		case networkingv1.IngressClassParametersReferenceScopeNamespace:
			if p.Namespace == nil {
				errs = append(errs, field.Required(paramsPath.child("namespace").path(), "`parameters.scope` is set to 'Namespace'"))
			} else {
				errs = append(errs, invalidEach(paramsPath.child("namespace"), *p.Namespace, apivalidation.ValidateNamespaceName(*p.Namespace, false))...)
			}
		default:
			errs = append(errs, field.NotSupported(paramsPath.child("scope").path(), scope, []string{
				networkingv1.IngressClassParametersReferenceScopeCluster, networkingv1.IngressClassParametersReferenceScopeNamespace}))
		}
	}
	return errs
}

var supportedServiceTypes = []corev1.ServiceType{
	corev1.ServiceTypeClusterIP, corev1.ServiceTypeExternalName, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort,
}

var supportedProtocols = []corev1.Protocol{corev1.ProtocolSCTP, corev1.ProtocolTCP, corev1.ProtocolUDP}

func validateService(s *corev1.Service, cache *checkCache) field.ErrorList {
	errs := validateMeta(s, true, apivalidation.NameIsDNS1035Label, cache)
	specPath := newFieldPath("spec")
	serviceType := s.Spec.Type
	if serviceType == "" {
		serviceType = corev1.ServiceTypeClusterIP
	}
	if !slices.Contains(supportedServiceTypes, serviceType) {
		errs = append(errs, field.NotSupported(specPath.child("type").path(), serviceType, supportedServiceTypes))
	}
	if serviceType == corev1.ServiceTypeExternalName {
		namePath := specPath.child("externalName")
		// The apiserver allows one trailing dot (a fully qualified name).
		name := strings.TrimSuffix(s.Spec.ExternalName, ".")
		if name == "" {
			errs = append(errs, field.Required(namePath.path(), ""))
		} else {
			errs = append(errs, invalidEach(namePath, s.Spec.ExternalName, validation.IsDNS1123Subdomain(name))...)
		}
	} else if len(s.Spec.Ports) == 0 {
		errs = append(errs, field.Required(specPath.child("ports").path(), ""))
	}
	names := map[string]bool{}
	for i, port := range s.Spec.Ports {
		portPath := specPath.child("ports").index(i)
		if len(s.Spec.Ports) > 1 && port.Name == "" {
			errs = append(errs, field.Required(portPath.child("name").path(), ""))
		} else if port.Name != "" {
			errs = append(errs, invalidEach(portPath.child("name"), port.Name, validation.IsDNS1123Label(port.Name))...)
			if names[port.Name] {
				errs = append(errs, field.Duplicate(portPath.child("name").path(), port.Name))
			}
			names[port.Name] = true
		}
		errs = append(errs, invalidEach(portPath.child("port"), port.Port, validation.IsValidPortNum(int(port.Port)))...)
		if port.Protocol != "" && !slices.Contains(supportedProtocols, port.Protocol) {
			errs = append(errs, field.NotSupported(portPath.child("protocol").path(), port.Protocol, supportedProtocols))
		}
		target := port.TargetPort
		if target.StrVal != "" {
			errs = append(errs, invalidEach(portPath.child("targetPort"), target.StrVal, validation.IsValidPortName(target.StrVal))...)
		} else if target.IntVal != 0 {
			errs = append(errs, invalidEach(portPath.child("targetPort"), target.IntVal, validation.IsValidPortNum(int(target.IntVal)))...)
		}
	}
	return errs
}

func validateSecret(s *corev1.Secret, cache *checkCache) field.ErrorList {
	errs := validateMeta(s, true, apivalidation.NameIsDNSSubdomain, cache)
	dataPath := newFieldPath("data")
	for key := range s.Data {
		errs = append(errs, invalidEach(dataPath.key(key), key, validation.IsConfigMapKey(key))...)
	}
	if s.Type != corev1.SecretTypeTLS {
		return errs
	}
	cert, hasCert := s.Data[corev1.TLSCertKey]
	key, hasKey := s.Data[corev1.TLSPrivateKeyKey]
	if !hasCert {
		errs = append(errs, field.Required(dataPath.key(corev1.TLSCertKey).path(), ""))
	}
	if !hasKey {
		errs = append(errs, field.Required(dataPath.key(corev1.TLSPrivateKeyKey).path(), ""))
	}
	if hasCert && hasKey {
		// The apiserver stops at presence; a proxy that serves the pair must
		// know now, not at the first handshake, that it does not parse.
		if _, err := tls.X509KeyPair(cert, key); err != nil {
			errs = append(errs, field.Invalid(dataPath.key(corev1.TLSCertKey).path(), field.OmitValueType{},
				fmt.Sprintf("tls.crt and tls.key must be a PEM certificate and its matching private key: %v", err)))
		}
	}
	return errs
}

func validateConfigMap(c *corev1.ConfigMap, cache *checkCache) field.ErrorList {
	errs := validateMeta(c, true, apivalidation.NameIsDNSSubdomain, cache)
	for key := range c.Data {
		errs = append(errs, invalidEach(newFieldPath("data").key(key), key, validation.IsConfigMapKey(key))...)
	}
	for key := range c.BinaryData {
		binaryPath := newFieldPath("binaryData").key(key)
		errs = append(errs, invalidEach(binaryPath, key, validation.IsConfigMapKey(key))...)
		if _, dup := c.Data[key]; dup {
			errs = append(errs, field.Invalid(binaryPath.path(), key, "duplicate of key present in data"))
		}
	}
	return errs
}

var supportedAddressTypes = []discoveryv1.AddressType{
	discoveryv1.AddressTypeFQDN, discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6,
}

const maxEndpointAddresses = 100

func validateEndpointSlice(e *discoveryv1.EndpointSlice, cache *checkCache) field.ErrorList {
	errs := validateMeta(e, true, apivalidation.NameIsDNSSubdomain, cache)
	if !slices.Contains(supportedAddressTypes, e.AddressType) {
		if e.AddressType == "" {
			errs = append(errs, field.Required(field.NewPath("addressType"), ""))
		} else {
			errs = append(errs, field.NotSupported(field.NewPath("addressType"), e.AddressType, supportedAddressTypes))
		}
	}
	for i, ep := range e.Endpoints {
		addrPath := newFieldPath("endpoints").index(i).child("addresses")
		switch n := len(ep.Addresses); {
		case n == 0:
			errs = append(errs, field.Required(addrPath.path(), "must contain at least 1 address"))
		case n > maxEndpointAddresses:
			errs = append(errs, field.TooMany(addrPath.path(), n, maxEndpointAddresses))
		}
		for j, addr := range ep.Addresses {
			errs = append(errs, validateEndpointAddress(addr, e.AddressType, addrPath.index(j))...)
		}
	}
	names := map[string]bool{}
	for i, port := range e.Ports {
		portPath := newFieldPath("ports").index(i)
		if port.Name != nil && *port.Name != "" {
			errs = append(errs, invalidEach(portPath.child("name"), *port.Name, validation.IsDNS1123Label(*port.Name))...)
		}
		name := ""
		if port.Name != nil {
			name = *port.Name
		}
		if names[name] {
			errs = append(errs, field.Duplicate(portPath.child("name").path(), name))
		}
		names[name] = true
		if port.Port != nil {
			errs = append(errs, invalidEach(portPath.child("port"), *port.Port, validation.IsInRange(int(*port.Port), 0, 65535))...)
		}
		if port.Protocol != nil && !slices.Contains(supportedProtocols, *port.Protocol) {
			errs = append(errs, field.NotSupported(portPath.child("protocol").path(), *port.Protocol, supportedProtocols))
		}
	}
	return errs
}

func validateEndpointAddress(addr string, addressType discoveryv1.AddressType, addrPath fieldPath) field.ErrorList {
	switch addressType {
	case discoveryv1.AddressTypeIPv4:
		if ip, err := netip.ParseAddr(addr); err != nil || !ip.Is4() {
			return field.ErrorList{field.Invalid(addrPath.path(), addr, "must be a valid IPv4 address")}
		}
	case discoveryv1.AddressTypeIPv6:
		if ip, err := netip.ParseAddr(addr); err != nil || !ip.Is6() || ip.Is4In6() {
			return field.ErrorList{field.Invalid(addrPath.path(), addr, "must be a valid IPv6 address")}
		}
	case discoveryv1.AddressTypeFQDN:
		return validation.IsFullyQualifiedDomainName(addrPath.path(), addr)
	}
	return nil
}
