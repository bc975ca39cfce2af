package ingress

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ErrorTypeUnknownField marks a field that the object's schema does not have.
// The apiserver rejects such fields under strict field validation; so do we,
// because a misspelt key (pathtype for pathType) would otherwise be dropped
// silently and change routing.
const ErrorTypeUnknownField field.ErrorType = "FieldValueUnknown"

// Source says where an object or a problem came from.
type Source struct {
	// File is the path given to the loader, or the name given with a reader
	// or bytes. Empty when the caller gave no name.
	File string
	// Doc is the 1-based number of the YAML document within File.
	Doc int
	// Line is the 1-based line within File; 0 when unknown.
	Line int
}

// String renders the source as "file:line (document N)", leaving out what is
// unknown.
func (s Source) String() string {
	// Appended rather than formatted: every proxy route of a load names
	// its source, and fmt made three allocations of each.
	b := make([]byte, 0, len(s.File)+32)
	if s.File == "" {
		b = append(b, "<input>"...)
	}
	b = append(b, s.File...)
	if s.Line > 0 {
		b = strconv.AppendInt(append(b, ':'), int64(s.Line), 10)
	}
	if s.Doc > 0 {
		b = append(strconv.AppendInt(append(b, " (document "...), int64(s.Doc), 10), ')')
	}
	return string(b)
}

// Error is one problem found while decoding or validating, with everything a
// user needs to find and fix it.
type Error struct {
	// Source locates the problem; Line points at the offending field when the
	// YAML parser knows it, else at the start of the object.
	Source Source
	// Object names the object as "kind namespace/name" (for example
	// "ingress default/web"); empty when the document could not be read far
	// enough to know it.
	Object string
	// Field carries the field path, the error type, the bad value and the
	// detail, in the apiserver's vocabulary. Nil for problems that concern a
	// whole file or document (syntax, size, nesting).
	Field *field.Error
	// Err is the underlying error when Field is nil.
	Err error
}

// Error renders the problem on one line, for example:
//
//	web.yaml:12 (document 2): ingress default/web: spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Source.String())
	b.WriteString(": ")
	if e.Object != "" {
		b.WriteString(e.Object)
		b.WriteString(": ")
	}
	switch {
	case e.Field != nil && e.Field.Type == ErrorTypeUnknownField:
		fmt.Fprintf(&b, "%s: unknown field", e.Field.Field)
		if e.Field.Detail != "" {
			b.WriteString("; ")
			b.WriteString(e.Field.Detail)
		}
	case e.Field != nil:
		b.WriteString(e.Field.Error())
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString("unknown error")
	}
	return b.String()
}

// Unwrap returns the field error or the underlying error.
func (e *Error) Unwrap() error {
	if e.Field != nil {
		return e.Field
	}
	return e.Err
}

// ErrorList collects every problem of a load, in input order. Loading never
// stops at the first problem, so one run shows everything to fix.
type ErrorList []*Error

// Error renders one problem per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes the individual errors to errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// orNil returns nil for an empty list, so callers can return it as an error
// without the typed-nil trap.
func (l ErrorList) orNil() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Warning is a problem that does not stop the load but changes what will be
// served: a skipped kind, a deprecated API version, an ignored annotation, a
// conflict between Ingresses. Warnings are always returned, never dropped.
type Warning struct {
	// Source locates the problem, as Error's does.
	Source Source
	// Object names the object as "kind namespace/name"; may be empty.
	Object string
	// Field is the field path the warning is about; may be empty.
	Field string
	// Message says what happens and, where useful, what to do.
	Message string
}

// String renders the warning on one line in the same shape as Error.
func (w Warning) String() string {
	var b strings.Builder
	b.WriteString(w.Source.String())
	b.WriteString(": ")
	if w.Object != "" {
		b.WriteString(w.Object)
		b.WriteString(": ")
	}
	if w.Field != "" {
		b.WriteString(w.Field)
		b.WriteString(": ")
	}
	b.WriteString(w.Message)
	return b.String()
}
