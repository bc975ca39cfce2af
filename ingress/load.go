package ingress

import "io/fs"

// Load is the whole pipeline in one call: read paths (from fsys, or from
// the operating system when fsys is nil), validate, and compile with opts.
// It stops at the first stage that fails, whose error lists every problem
// of that stage. The Set is never nil, so that its warnings can be shown
// even when an error is returned; Compiled is nil unless compiling ran.
// With opts.SkipInvalidIngresses, Ingresses that fail validation are left
// out with warnings (see Compile), and so are missing from the Set.
func Load(fsys fs.FS, paths []string, opts Options) (*Set, *Compiled, error) {
	var set *Set
	var err error
	if fsys != nil {
		set, err = ReadFS(fsys, paths...)
	} else {
		set, err = ReadFiles(paths...)
	}
	if err != nil {
		return set, nil, err
	}
	return CompileSet(set, opts)
}
