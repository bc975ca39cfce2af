package ingress

import (
	"errors"
	"io/fs"
	"path"
	"runtime"
	"strings"
	"sync"
)

// decodeWorkers is how many files a read decodes at once: one per
// processor, as decoding is CPU-bound and files are independent, but at
// most maxDecodeWorkers, because every file in flight holds its text (up
// to the Decoder's file size limit) twice and its parsed documents.
func decodeWorkers() int { return min(runtime.GOMAXPROCS(0), maxDecodeWorkers) }

// maxDecodeWorkers bounds the memory of a read on a machine with many
// processors: 8 files of the default 16 MiB limit.
const maxDecodeWorkers = 8

// readTree is the shared body of ReadFiles, ReadFS and FileCache; decode
// turns the content of each file into objects and must be safe for
// concurrent use. Files are opened and read one at a time, in order, on
// the calling goroutine (an fs.FS need not allow more), and decoded by up
// to workers goroutines at once; the results are then put together in
// the order of the files, so that objects, warnings and errors come out
// exactly as a one-by-one read gives them.
func (d *Decoder) readTree(fsys fs.FS, roots []string, decode func(name string, data []byte) (*Set, error), workers int) (*Set, error) {
	var results []*readResult // in read order
	ready := func(r *readResult) { results = append(results, r) }
	failed := func(name string, err error) {
		ready(&readResult{errs: ErrorList{{Source: Source{File: name}, Err: err}}})
	}
	decoding := newDecodePool(workers)
	readOne := func(name string) {
		f, err := fsys.Open(name)
		if err != nil {
			failed(name, err)
			return
		}
		defer f.Close()
		if info, err := f.Stat(); err == nil && info.Size() > d.maxFileSize() {
			failed(name, d.tooLarge())
			return
		}
		data, err := d.readAll(f)
		if err != nil {
			failed(name, err)
			return
		}
		r := &readResult{}
		ready(r)
		decoding.run(func() {
			var err error
			r.set, err = decode(name, data)
			errors.As(err, &r.errs)
		}, &r.panicked)
	}
	for _, root := range roots {
		info, err := fs.Stat(fsys, root)
		if err != nil {
			failed(root, err)
			continue
		}
		if !info.IsDir() {
			readOne(root)
			continue
		}
		found := 0
		err = fs.WalkDir(fsys, root, func(name string, entry fs.DirEntry, err error) error {
			if err != nil {
				failed(name, err)
				return nil
			}
			if entry.IsDir() || !manifestExt[strings.ToLower(path.Ext(name))] {
				return nil
			}
			found++
			readOne(name)
			return nil
		})
		if err != nil {
			failed(root, err)
		}
		if found == 0 {
			ready(&readResult{set: &Set{Warnings: []Warning{{Source: Source{File: root}, Message: "directory holds no *.yaml, *.yml or *.json files"}}}})
		}
	}
	decoding.wait()
	set := &Set{}
	set.grow(func(yield func(*Set) bool) {
		for _, r := range results {
			if r.set != nil && !yield(r.set) {
				return
			}
		}
	})
	var errs ErrorList
	for _, r := range results {
		if r.panicked != nil {
			// A decoder panic belongs to the caller, as it did when files
			// were decoded on the caller's goroutine.
			panic(r.panicked)
		}
		set.Add(r.set)
		errs = append(errs, r.errs...)
	}
	return set, errs.orNil()
}

// readResult is what one file, or one problem of the walk, adds to a read.
type readResult struct {
	set      *Set
	errs     ErrorList
	panicked any
}

// decodePool runs decodes on at most a fixed number of goroutines; with
// one, it runs them on the caller's.
type decodePool struct {
	slots chan struct{}
	wg    sync.WaitGroup
}

func newDecodePool(workers int) *decodePool {
	if workers <= 1 {
		return &decodePool{}
	}
	return &decodePool{slots: make(chan struct{}, workers)}
}

// run calls fn, on its own goroutine once a slot is free; a panic of fn is
// kept in *panicked for the caller to raise after wait.
func (p *decodePool) run(fn func(), panicked *any) {
	if p.slots == nil {
		fn()
		return
	}
	p.slots <- struct{}{}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer func() { <-p.slots }()
		defer func() {
			if r := recover(); r != nil {
				*panicked = r
			}
		}()
		fn()
	}()
}

// wait returns once every decode has finished.
func (p *decodePool) wait() { p.wg.Wait() }
