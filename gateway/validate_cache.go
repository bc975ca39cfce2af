package gateway

import (
	"crypto/sha256"
	"encoding/json"

	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validating an object costs milliseconds, nearly all of it in the
// apiserver's schema and CEL code, and a reload validates every object
// again although most have not changed. Results are therefore remembered by
// the object's content: a reload of unchanged objects costs a hash and a
// decode per object instead of a validation.
//
// The memory is two generations of at most cacheEntries results and
// cacheBytes of JSON each; when the current one is full it becomes the old
// one and the one before is dropped, so what a load keeps seeing stays and
// the rest ages out. Results are kept as JSON, a few kilobytes for a route,
// so that every caller gets an object of its own.
const (
	cacheEntries = 4096
	cacheBytes   = 16 << 20
	// cacheMaxBytes leaves out of the cache objects whose result is larger;
	// they are rare and would crowd out many ordinary ones.
	cacheMaxBytes = 256 << 10
)

// cacheKey is the hash of an apiVersion, a kind and an object's content.
type cacheKey [sha256.Size]byte

// cachedResult is what Validate returned for one content.
type cachedResult struct {
	object []byte // JSON of the returned object; nil when it was nil
	errs   field.ErrorList
}

// resultCache holds two generations of at most limit results and
// byteLimit bytes of JSON each.
type resultCache struct {
	generations[cacheKey, *cachedResult]
}

var results = newResultCache(cacheEntries, cacheBytes)

func newResultCache(limit, byteLimit int) *resultCache {
	return &resultCache{newGenerations[cacheKey](limit, byteLimit, func(r *cachedResult) int { return len(r.object) })}
}

// keyOf hashes what Validate's result depends on. encoding/json writes map
// keys sorted, so equal content gives equal keys. ok is false when the
// object cannot be encoded; it is then validated without the cache.
func keyOf(apiVersion, kind string, obj map[string]any) (key cacheKey, ok bool) {
	data, err := json.Marshal(obj)
	if err != nil {
		return key, false
	}
	h := sha256.New()
	h.Write([]byte(apiVersion))
	h.Write([]byte{0})
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write(data)
	h.Sum(key[:0])
	return key, true
}

// get returns a copy of the remembered result for key, and the length of
// its JSON.
func (c *resultCache) get(key cacheKey) (map[string]any, field.ErrorList, int, bool) {
	r, ok := c.lookup(key)
	if !ok {
		return nil, nil, 0, false
	}
	var out map[string]any
	if r.object != nil {
		// util/json reads whole numbers as int64, as Validate returns them.
		if err := utiljson.Unmarshal(r.object, &out); err != nil {
			return nil, nil, 0, false
		}
	}
	return out, copyErrors(r.errs), len(r.object), true
}

// put remembers a result unless it is too large, and returns the length
// of its JSON (more than cacheMaxBytes when it was not remembered).
func (c *resultCache) put(key cacheKey, out map[string]any, errs field.ErrorList) int {
	r := &cachedResult{errs: copyErrors(errs)}
	if out != nil {
		data, err := json.Marshal(out)
		if err != nil || len(data) > cacheMaxBytes {
			return cacheMaxBytes + 1
		}
		r.object = data
	}
	c.store(key, r)
	return len(r.object)
}

// copyErrors copies the errors themselves, so that a caller who changes
// one does not change what the cache gives the next caller.
func copyErrors(errs field.ErrorList) field.ErrorList {
	if errs == nil {
		return nil
	}
	out := make(field.ErrorList, len(errs))
	for i, e := range errs {
		c := *e
		out[i] = &c
	}
	return out
}
