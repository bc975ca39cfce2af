package ingress

import (
	"cmp"
	"errors"
	"io/fs"
	"slices"
	"strings"
)

// LoadFiles is the whole pipeline in one call: read paths (from fsys, or from
// the operating system when fsys is nil), validate, and compile with opts.
//
// Every problem comes back in one pass: the decoding errors of every file,
// the validation errors of every object (those that failed to decode
// included, as far as they could be read), and the annotation and backend
// errors of every valid Ingress, sorted by file and line. The Set is never
// nil, so that its warnings can be shown even when an error is returned.
// Compiled is nil when decoding or validation failed; when only compiling
// failed, it carries the warnings (its Table is nil). With
// opts.SkipInvalidIngresses, Ingresses that fail validation are left out
// with warnings (see Compile), and so are missing from the Set.
func LoadFiles(fsys fs.FS, paths []string, opts Options) (*Set, *Compiled, error) {
	var set *Set
	var readErr error
	if fsys != nil {
		set, readErr = ReadFS(fsys, paths...)
	} else {
		set, readErr = ReadFiles(paths...)
	}
	var errs ErrorList
	errors.As(readErr, &errs)
	if readErr != nil && errs == nil {
		return set, nil, readErr // cannot happen: readers return ErrorLists
	}
	return compileSet(set, errs, opts, paths)
}

// CompileSet validates set and compiles it with opts: what LoadFiles does once
// the files are read, for objects that come from elsewhere (a cluster's
// informer caches, say), with every problem in one pass as LoadFiles reports
// it. With opts.SkipInvalidIngresses, Ingresses that fail validation are
// left out with warnings, and so are missing from the returned Set; set
// itself is not modified. Compiled is nil when validation failed.
func CompileSet(set *Set, opts Options) (*Set, *Compiled, error) {
	return compileSet(set, nil, opts, nil)
}

// compileSet validates and compiles set. errs holds the errors of reading
// it; every error comes back sorted by place, files in the order of paths.
func compileSet(set *Set, errs ErrorList, opts Options, paths []string) (*Set, *Compiled, error) {
	invalid := map[string]bool{}
	var verrs ErrorList
	errors.As(set.Validate(), &verrs)
	if len(verrs) > 0 && opts.SkipInvalidIngresses {
		var skips []Warning
		skips, verrs = skipInvalid(verrs, invalid)
		set = withoutIngresses(set, invalid)
		set.Warnings = append(slices.Clone(set.Warnings), skips...)
	}
	for _, e := range verrs {
		if skippable(e) {
			invalid[e.Object] = true
		}
	}
	errs = append(errs, verrs...)
	if len(errs) == 0 {
		compiled, err := Compile(set, opts)
		return set, compiled, err
	}
	// The valid Ingresses are still compiled, for their annotation and
	// backend errors; the table is dropped.
	_, err := Compile(withoutIngresses(set, invalid), opts)
	var cerrs ErrorList
	errors.As(err, &cerrs)
	errs = append(errs, cerrs...)
	return set, nil, sortedByPlace(errs, paths)
}

// sortedByPlace orders errs as the files were read (by the path argument
// that named each file, then by name, as directories are walked), then by
// document and line; errors of one place keep their order.
func sortedByPlace(errs ErrorList, paths []string) ErrorList {
	rank := func(file string) int {
		for i, p := range paths {
			if file == p || strings.HasPrefix(file, strings.TrimSuffix(p, "/")+"/") || p == "." {
				return i
			}
		}
		return len(paths)
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(rank(a.Source.File), rank(b.Source.File)), strings.Compare(a.Source.File, b.Source.File),
			cmp.Compare(a.Source.Doc, b.Source.Doc), cmp.Compare(a.Source.Line, b.Source.Line))
	})
	return errs
}
