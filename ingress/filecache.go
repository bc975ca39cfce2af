package ingress

import (
	"crypto/sha256"
	"io/fs"
	"sync"
)

// FileCache reads files as a Decoder does, but decodes only the files
// whose content changed since the last read: it keeps the objects decoded
// from each file under the SHA-256 digest of its content, and a file with
// the same name and digest gives the very same objects again. Handed to
// Tracker.Sync, those objects are recognised as unchanged and are not
// compiled again, so that a reload of ten thousand Ingresses after one
// file changed costs one file's decoding and one Ingress's compiling.
//
// A FileCache forgets the files a read did not find. It is not safe for
// concurrent use.
type FileCache struct {
	// Decoder sets the limits; nil means the defaults.
	Decoder *Decoder
	files   map[string]cachedFile
}

// cachedFile is what one file decoded to.
type cachedFile struct {
	digest [sha256.Size]byte
	set    *Set
	err    error
}

// ReadFiles is Decoder.ReadFiles through the cache.
func (c *FileCache) ReadFiles(paths ...string) (*Set, error) {
	return c.read(osFS{}, paths)
}

// ReadFS is Decoder.ReadFS through the cache.
func (c *FileCache) ReadFS(fsys fs.FS, paths ...string) (*Set, error) {
	return c.read(fsys, paths)
}

func (c *FileCache) read(fsys fs.FS, paths []string) (*Set, error) {
	seen := map[string]cachedFile{}
	var mu sync.Mutex // files are decoded concurrently; c.files is only read
	decode := func(name string, data []byte) (*Set, error) {
		digest := sha256.Sum256(data)
		f, ok := c.files[name]
		if !ok || f.digest != digest {
			// A file read for the first time is kept or dropped whole;
			// an edited one keeps only its changed objects (Tracker.Sync
			// keeps the unchanged ones it has), which must not share
			// their memory with the objects dropped.
			set, err := c.Decoder.decodeBytes(name, data, !ok)
			f = cachedFile{digest: digest, set: set, err: err}
		}
		mu.Lock()
		seen[name] = f
		mu.Unlock()
		return f.set, f.err
	}
	set, err := c.Decoder.readTree(fsys, paths, decode, decodeWorkers())
	c.files = seen
	return set, err
}

// Len returns the number of files the cache holds.
func (c *FileCache) Len() int { return len(c.files) }
