package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSettler drives the watcher's decision poll by poll: a change is
// reloaded only once it has settled, so that a file caught between its
// truncation and its last write never replaces a good table.
func TestSettler(t *testing.T) {
	file := func(size, mod int64) fileState { return fileState{size: size, modNanos: mod} }
	good := tree{"m/web.yaml": file(120, 1)}
	truncated := tree{"m/web.yaml": file(0, 2)}
	half := tree{"m/web.yaml": file(60, 3)}
	rewritten := tree{"m/web.yaml": file(130, 3)}
	withNew := tree{"m/web.yaml": file(120, 1), "m/api.yaml": file(80, 4)}
	newEmpty := tree{"m/web.yaml": file(120, 1), "m/api.yaml": file(0, 4)}
	deleted := tree{}
	unreadable := tree{"m/web.yaml": {err: "permission denied"}}
	const emptiedPolls = 5 // the grace at this interval
	repeat := func(s tree, n int) []tree {
		polls := make([]tree, n)
		for i := range polls {
			polls[i] = s
		}
		return polls
	}
	for _, tt := range []struct {
		name  string
		polls []tree
		// reloads lists the polls (from 0) that report a change.
		reloads []int
	}{
		{"nothing changes", repeat(good, 10), nil},
		{"a finished write reloads once, a poll after it was first seen",
			[]tree{rewritten, rewritten, rewritten, rewritten}, []int{1}},
		{"a write seen half done waits for its end",
			[]tree{half, rewritten, rewritten}, []int{2}},
		{"a truncated file waits for its content",
			append(repeat(truncated, emptiedPolls-1), rewritten, rewritten), []int{emptiedPolls}},
		{"a file emptied on purpose reloads after the grace",
			repeat(truncated, emptiedPolls+2), []int{emptiedPolls - 1}},
		{"a write undone before it settled reloads nothing",
			[]tree{rewritten, good, good, good}, nil},
		{"a new file reloads once settled", repeat(withNew, 3), []int{1}},
		{"a new file that is still empty is no loss of routes", repeat(newEmpty, 3), []int{1}},
		{"a deleted file reloads once settled", repeat(deleted, 3), []int{1}},
		{"an unreadable file reloads once settled, to report the error", repeat(unreadable, 3), []int{1}},
		{"each settled change reloads",
			[]tree{rewritten, rewritten, half, half, half}, []int{1, 3}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &settler{loaded: good, emptiedPolls: emptiedPolls}
			var reloads []int
			for i, p := range tt.polls {
				if s.poll(p) {
					reloads = append(reloads, i)
				}
			}
			assert.Equal(t, tt.reloads, reloads)
		})
	}
}

// TestEmptiedGraceInPolls: the grace for an emptied file is a time, the
// same whatever the poll interval, and never less than the two polls of
// any other change.
func TestEmptiedGraceInPolls(t *testing.T) {
	for _, tt := range []struct {
		interval time.Duration
		polls    int
	}{
		{20 * time.Millisecond, 100},
		{300 * time.Millisecond, 7},
		{2 * time.Second, 2},
		{time.Minute, 2},
	} {
		assert.Equal(t, tt.polls, newSettler(tree{}, tt.interval).emptiedPolls, tt.interval)
	}
}

// TestWatchFiles runs the watcher on real files: an in-place rewrite, a
// ConfigMap-style symlink swap and a deletion are each reported, and
// truncating a file is not, however long its writer then takes (up to
// the grace).
func TestWatchFiles(t *testing.T) {
	dir := t.TempDir()
	// The ConfigMap's two versions have the same size and time, so that
	// only the symlink swap tells them apart.
	stamp := time.Now().Add(-time.Hour)
	for _, d := range []string{"..v1", "..v2"} {
		require.NoError(t, os.Mkdir(filepath.Join(dir, d), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, d, "cm.yaml"), []byte("kind: "+d+"\n"), 0o644))
		require.NoError(t, os.Chtimes(filepath.Join(dir, d, "cm.yaml"), stamp, stamp))
	}
	require.NoError(t, os.Symlink(filepath.Join(dir, "..v1", "cm.yaml"), filepath.Join(dir, "cm.yaml")))
	file := filepath.Join(dir, "web.yaml")
	require.NoError(t, os.WriteFile(file, []byte("kind: Ingress\n"), 0o644))
	watched := []string{file, filepath.Join(dir, "cm.yaml")}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := watch(ctx, watched, 10*time.Millisecond)
	reported := func(what string) {
		t.Helper()
		select {
		case <-changes:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s was not reported", what)
		}
	}
	quiet := func(what string, d time.Duration) {
		t.Helper()
		select {
		case <-changes:
			t.Fatalf("%s was reported", what)
		case <-time.After(d):
		}
	}

	require.NoError(t, os.WriteFile(file, []byte("kind: Ingress # edited\n"), 0o644))
	reported("an in-place rewrite")

	require.NoError(t, os.Truncate(file, 0))
	quiet("a truncated file", emptiedGrace/2)
	require.NoError(t, os.WriteFile(file, []byte("kind: Ingress # rewritten\n"), 0o644))
	reported("the write after the truncation")
	content, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.NotEmpty(t, content)

	swapped := filepath.Join(dir, "cm.yaml.tmp")
	require.NoError(t, os.Symlink(filepath.Join(dir, "..v2", "cm.yaml"), swapped))
	require.NoError(t, os.Rename(swapped, filepath.Join(dir, "cm.yaml")))
	reported("a symlink swap")

	require.NoError(t, os.Remove(file))
	reported("a deletion")
}
