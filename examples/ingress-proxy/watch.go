package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// watch reports changes to the files under paths by polling their names,
// sizes and modification times every interval. Polling works the same on
// every file system (also for ConfigMap-mounted symlink swaps), and a
// manifest tree is small enough that a stat walk every second or two costs
// nothing. A zero interval turns watching off.
func watch(ctx context.Context, paths []string, interval time.Duration) <-chan struct{} {
	changes := make(chan struct{}, 1)
	if interval <= 0 {
		return changes
	}
	// The first fingerprint is taken now, before the caller loads the
	// files, so that an edit made while they load is seen as a change.
	last := fingerprint(paths)
	go func() {
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				if now := fingerprint(paths); now != last {
					last = now
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

// fingerprint hashes the name, size and modification time of every file
// under paths.
func fingerprint(paths []string) uint64 {
	h := fnv.New64a()
	for _, root := range paths {
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(h, "%s:error:%v;", path, err)
				return nil
			}
			if d.IsDir() {
				return nil
			}
			info, err := os.Stat(path) // follow symlinks, as reading does
			if err != nil {
				fmt.Fprintf(h, "%s:error;", path)
				return nil
			}
			fmt.Fprintf(h, "%s:%d:%d;", path, info.Size(), info.ModTime().UnixNano())
			return nil
		})
	}
	return h.Sum64()
}
