package gateway

import (
	"embed"
	"fmt"
	"slices"
	"sync"

	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"
)

// crdFiles are the standard-channel CRDs of the Gateway API release this
// module builds with; the validator checks objects against them exactly as
// an apiserver that has them installed does.
//
//go:embed crds/*.yaml
var crdFiles embed.FS

// crdFileOfKind names the CRD file of each kind the validator knows.
var crdFileOfKind = map[string]string{
	"GatewayClass":     "crds/gateway.networking.k8s.io_gatewayclasses.yaml",
	"Gateway":          "crds/gateway.networking.k8s.io_gateways.yaml",
	"HTTPRoute":        "crds/gateway.networking.k8s.io_httproutes.yaml",
	"GRPCRoute":        "crds/gateway.networking.k8s.io_grpcroutes.yaml",
	"ReferenceGrant":   "crds/gateway.networking.k8s.io_referencegrants.yaml",
	"BackendTLSPolicy": "crds/gateway.networking.k8s.io_backendtlspolicies.yaml",
}

// crdSchemas is one CRD compiled for validation: every served version.
type crdSchemas struct {
	group      string
	namespaced bool
	// hasStatus is true when the CRD has the status subresource, so that
	// create drops any status the object carries.
	hasStatus bool
	versions  map[string]*versionSchema
	served    []string // served apiVersions, for error messages
}

// versionSchema is what the apiserver builds for one served version of a
// CRD: the structural schema (pruning, defaulting, list types), the
// OpenAPI schema validator and the compiled x-kubernetes-validations.
type versionSchema struct {
	structural *structuralschema.Structural
	validator  apiservervalidation.SchemaValidator
	// cel is nil when the version has no x-kubernetes-validations.
	cel *cel.Validator
}

// compiledCRDs holds each kind's CRD, compiled on first use of that kind:
// compiling HTTPRoute's CEL rules costs far more than validating a route,
// and a program that serves only Ingresses never pays it.
var compiledCRDs = func() map[string]func() (*crdSchemas, error) {
	m := make(map[string]func() (*crdSchemas, error), len(crdFileOfKind))
	for kind, file := range crdFileOfKind {
		m[kind] = sync.OnceValues(func() (*crdSchemas, error) { return compileCRD(file) })
	}
	return m
}()

// compileCRD reads one embedded CRD and builds, for each served version,
// what the apiserver builds when the CRD is installed.
func compileCRD(file string) (*crdSchemas, error) {
	data, err := crdFiles.ReadFile(file)
	if err != nil {
		return nil, err
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(data, crd); err != nil {
		return nil, fmt.Errorf("gateway: reading %s: %w", file, err)
	}
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(crd)
	out := &crdSchemas{
		group:      crd.Spec.Group,
		namespaced: crd.Spec.Scope == apiextensionsv1.NamespaceScoped,
		versions:   make(map[string]*versionSchema),
	}
	for _, v := range crd.Spec.Versions {
		if !v.Served {
			continue
		}
		if v.Subresources != nil && v.Subresources.Status != nil {
			out.hasStatus = true
		}
		vs, err := compileVersion(v.Schema)
		if err != nil {
			return nil, fmt.Errorf("gateway: %s version %s: %w", crd.Name, v.Name, err)
		}
		out.versions[v.Name] = vs
		out.served = append(out.served, crd.Spec.Group+"/"+v.Name)
	}
	slices.Sort(out.served)
	return out, nil
}

// compileVersion follows the apiserver's CRD handler: convert the schema to
// the internal version, build the structural schema with pruned defaults,
// the OpenAPI validator, and the CEL validator with the per-call cost limit.
func compileVersion(v1 *apiextensionsv1.CustomResourceValidation) (*versionSchema, error) {
	if v1 == nil || v1.OpenAPIV3Schema == nil {
		return nil, fmt.Errorf("no schema")
	}
	internal := &apiextensionsinternal.CustomResourceValidation{}
	if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(v1, internal, nil); err != nil {
		return nil, err
	}
	s, err := structuralschema.NewStructural(internal.OpenAPIV3Schema)
	if err != nil {
		return nil, err
	}
	s = s.DeepCopy()
	if err := structuraldefaulting.PruneDefaults(s); err != nil {
		return nil, err
	}
	validator, _, err := apiservervalidation.NewSchemaValidator(internal.OpenAPIV3Schema)
	if err != nil {
		return nil, err
	}
	return &versionSchema{
		structural: s,
		validator:  validator,
		cel:        cel.NewValidator(s, true, celconfig.PerCallLimit),
	}, nil
}
