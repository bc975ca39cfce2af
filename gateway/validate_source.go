package gateway

import (
	"strings"

	"github.com/ingressmux/ingressmux/ingress"
)

// ValidateSource validates obj as Validate does and reports each problem as
// an ingress.Error: the object's source, its name as "kind namespace/name"
// (for example "httproute default/web"), and the field error.
//
// line, when not nil, returns the line of the field at a field path (as
// field.Path.String renders it) in the object's file, or 0 when it does not
// know; an error at a known line points there, any other at src.Line, the
// start of the object. The returned list is nil when the object is valid.
func ValidateSource(src ingress.Source, apiVersion, kind string, obj map[string]any, line func(fieldPath string) int) (map[string]any, ingress.ErrorList) {
	out, ferrs := Validate(apiVersion, kind, obj)
	if len(ferrs) == 0 {
		return out, nil
	}
	r := typedResult{ref: objectRef(kind, out, obj), errs: ferrs}
	return out, r.errorList(src, line)
}

// objectRef names an object the way every ingressmux error does, from the
// validated object when there is one, else from what the caller gave.
func objectRef(kind string, objs ...map[string]any) string {
	var namespace, name string
	for _, o := range objs {
		if meta, ok := o["metadata"].(map[string]any); ok {
			namespace, _ = meta["namespace"].(string)
			name, _ = meta["name"].(string)
			break
		}
	}
	if name == "" {
		name = "<unnamed>"
	}
	ref := strings.ToLower(kind) + " "
	if namespace != "" {
		ref += namespace + "/"
	}
	return ref + name
}
