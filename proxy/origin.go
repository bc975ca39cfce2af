package proxy

// Origin says where a route was declared, in the terms of the object that
// declared it (Route.Object), for tools: checks, explanations, warnings.
// The Handler does not read it.
type Origin struct {
	// Field is the path of the field that declared the route within its
	// object, such as "spec.rules[0].http.paths[1]".
	Field string
	// Source is where the object was read from, such as
	// "web.yaml:12 (document 2)"; empty when unknown.
	Source string
	// Path and PathType are the route's path match as the object wrote it,
	// such as "/foo(/|$)(.*)" and "ImplementationSpecific", before it was
	// normalised for matching; empty for a default backend.
	Path, PathType string
}
