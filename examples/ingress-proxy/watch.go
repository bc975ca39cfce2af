package main

import (
	"context"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"time"
)

// watch reports changes to the files under paths by polling their names,
// sizes and modification times every interval. Polling works the same on
// every file system (also for ConfigMap-mounted symlink swaps), and a
// manifest tree is small enough that a stat walk every second or two costs
// nothing. A zero interval turns watching off.
//
// A change is reported only once it has settled (see settler): editors and
// tools such as kubectl write files in place, truncating first, and a
// reload that read a file between its truncation and its last write would
// serve a table that lost some or all of its routes.
func watch(ctx context.Context, paths []string, interval time.Duration) <-chan struct{} {
	changes := make(chan struct{}, 1)
	if interval <= 0 {
		return changes
	}
	// The first scan is taken now, before the caller loads the files, so
	// that an edit made while they load is seen as a change.
	s := newSettler(scan(paths), interval)
	go func() {
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				if s.poll(scan(paths)) {
					select {
					case changes <- struct{}{}:
					default: // a reload is already pending
					}
				}
			}
		}
	}()
	return changes
}

// emptiedGrace is how long a file that had content must stay empty before
// its emptying is reported: a writer that truncated it may be descheduled
// before it writes, for far longer than a poll interval on a busy machine,
// and an empty manifest silently drops every route it held. Emptying a
// file on purpose is rare; deleting it is atomic and reported as soon as
// it settles.
const emptiedGrace = 2 * time.Second

// settler decides when the polled state of a manifest tree has settled
// enough to reload: a change is reported once two polls in a row saw the
// same state, and a file that had content and is now empty only once it
// stayed so for emptiedGrace. A tree that goes back to the loaded state
// before settling (a write undone) reports nothing.
type settler struct {
	loaded  tree // the state last reported (or first loaded)
	pending tree // the changed state waiting to settle, nil if none
	seen    int  // polls in a row that saw pending
	// emptiedPolls is emptiedGrace in polls.
	emptiedPolls int
}

func newSettler(loaded tree, interval time.Duration) *settler {
	return &settler{loaded: loaded, emptiedPolls: max(2, int((emptiedGrace+interval-1)/interval))}
}

// poll takes the state seen by one poll and says whether to reload.
func (s *settler) poll(now tree) bool {
	switch {
	case maps.Equal(now, s.loaded):
		s.pending, s.seen = nil, 0
		return false
	case s.pending == nil || !maps.Equal(now, s.pending):
		s.pending, s.seen = now, 1
		return false
	}
	s.seen++
	need := 2
	if emptied(s.loaded, now) {
		need = s.emptiedPolls
	}
	if s.seen < need {
		return false
	}
	s.loaded, s.pending, s.seen = now, nil, 0
	return true
}

// fileState is what a poll sees of one file: its size, modification time
// and the file its symlinks lead to, or the error that stat or the walk
// returned. The target tells a ConfigMap's symlink swap apart even when
// the old and new files have the same size and time.
type fileState struct {
	size, modNanos int64
	target, err    string
}

// tree is the state of every file under the watched paths, by path.
type tree map[string]fileState

// emptied reports whether a file that had content in before is empty in
// after.
func emptied(before, after tree) bool {
	for path, a := range after {
		if b, ok := before[path]; ok && a.err == "" && a.size == 0 && b.err == "" && b.size > 0 {
			return true
		}
	}
	return false
}

// scan stats every file under paths, following symlinks as reading does.
func scan(paths []string) tree {
	t := tree{}
	for _, root := range paths {
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				t[path] = fileState{err: err.Error()}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			info, err := os.Stat(path)
			if err != nil {
				t[path] = fileState{err: err.Error()}
				return nil
			}
			target, err := filepath.EvalSymlinks(path)
			if err != nil {
				t[path] = fileState{err: err.Error()}
				return nil
			}
			t[path] = fileState{size: info.Size(), modNanos: info.ModTime().UnixNano(), target: target}
			return nil
		})
	}
	return t
}
