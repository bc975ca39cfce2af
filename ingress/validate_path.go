package ingress

import "k8s.io/apimachinery/pkg/util/validation/field"

// fieldPath is a field path held as a value, for the validators: they
// pass the path of every field down although it is only needed when there
// is an error, and a *field.Path costs an allocation per step. A fieldPath
// is copied instead, and made into a *field.Path, with the same calls the
// validators made before, only for an error.
type fieldPath struct {
	base  *field.Path // the steps beyond maxFieldPathSteps, built
	steps [maxFieldPathSteps]pathStep
	n     int
}

// maxFieldPathSteps is the depth of the deepest path a validator passes
// down (spec.rules[0].http.paths[0].backend.service.port.number is 10
// steps), with room to spare; a deeper path is built as it grows.
const maxFieldPathSteps = 12

// newFieldPath is field.NewPath(name, more...) as a fieldPath.
func newFieldPath(name string, more ...string) fieldPath {
	var p fieldPath
	return p.child(name, more...)
}

// child is field.Path.Child.
func (p fieldPath) child(name string, more ...string) fieldPath {
	p.push(pathStep{name: name, kind: stepChild})
	for _, m := range more {
		p.push(pathStep{name: m, kind: stepChild})
	}
	return p
}

// index is field.Path.Index.
func (p fieldPath) index(i int) fieldPath {
	p.push(pathStep{index: i, kind: stepIndex})
	return p
}

// key is field.Path.Key.
func (p fieldPath) key(k string) fieldPath {
	p.push(pathStep{name: k, kind: stepKey})
	return p
}

// push adds a step in place: the methods above copy a fieldPath once in
// and once out, however many steps they add.
func (p *fieldPath) push(s pathStep) {
	if p.n == len(p.steps) {
		p.base, p.n = p.path(), 0
	}
	p.steps[p.n] = s
	p.n++
}

// path builds the *field.Path.
func (p fieldPath) path() *field.Path { return appendSteps(p.base, p.steps[:p.n]) }

// appendSteps makes the *field.Path of steps after p (nil for the root)
// with the field.Path calls a walk from p makes.
func appendSteps(p *field.Path, steps []pathStep) *field.Path {
	for _, s := range steps {
		switch s.kind {
		case stepChild:
			p = p.Child(s.name)
		case stepKey:
			p = p.Key(s.name)
		case stepIndex:
			p = p.Index(s.index)
		}
	}
	return p
}
