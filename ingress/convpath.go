package ingress

import "k8s.io/apimachinery/pkg/util/validation/field"

// The converter keeps the field path of the node it converts as a stack of
// steps and makes a *field.Path only for a problem. Building the path of
// every key eagerly cost a dozen allocations per object, for errors that
// almost never come.

// pathStep is one step of a field path, as field.Path builds it.
type pathStep struct {
	name  string // the key, for stepChild and stepKey
	index int    // the list position, for stepIndex
	kind  stepKind
}

type stepKind uint8

const (
	stepChild stepKind = iota // a struct field: .name
	stepKey                   // a map key: [name]
	stepIndex                 // a list item: [index]
)

func (c *converter) push(s pathStep) { c.steps = append(c.steps, s) }

func (c *converter) pop() { c.steps = c.steps[:len(c.steps)-1] }

// path returns the field path of the node being converted, nil for the
// object itself.
func (c *converter) path() *field.Path { return appendSteps(nil, c.steps) }
