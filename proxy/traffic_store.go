package proxy

import (
	"hash/maphash"
	"sync"
)

// lruShards is the number of independently locked parts of an lru: enough
// that concurrent requests from different clients rarely wait on each
// other, few enough that a small store still spreads evenly.
const lruShards = 16

// lru is a bounded map with least-recently-used eviction. It keeps the
// memory of per-client state (rate limits, cached auth answers) bounded
// however many distinct clients come by: a full shard forgets its least
// recently used entry to make room. For a rate limit that is harmless when
// the forgotten client was idle long enough for its bucket to refill, which
// is what least-recently-used picks first; nginx's limit zones evict the
// same way when their shared memory is full.
type lru[K comparable, V any] struct {
	seed   maphash.Seed
	shards [lruShards]lruShard[K, V]
	// busy, when not nil, tells entries that must not be evicted (a client
	// with requests in flight); they are moved to the front instead.
	busy func(*V) bool
}

type lruShard[K comparable, V any] struct {
	mu   sync.Mutex
	m    map[K]*lruEntry[K, V]
	root lruEntry[K, V] // sentinel of a circular list, most recent first
	max  int
}

type lruEntry[K comparable, V any] struct {
	key        K
	val        V
	prev, next *lruEntry[K, V]
}

// newLRU returns an lru holding about max entries (at least one per shard).
func newLRU[K comparable, V any](max int, busy func(*V) bool) *lru[K, V] {
	c := &lru[K, V]{seed: maphash.MakeSeed(), busy: busy}
	per := (max + lruShards - 1) / lruShards
	if per < 1 {
		per = 1
	}
	for i := range c.shards {
		s := &c.shards[i]
		s.m = make(map[K]*lruEntry[K, V])
		s.root.next, s.root.prev = &s.root, &s.root
		s.max = per
	}
	return c
}

// lock returns the shard of key, locked. The caller unlocks s.mu.
func (c *lru[K, V]) lock(key K) *lruShard[K, V] {
	s := &c.shards[maphash.Comparable(c.seed, key)%lruShards]
	s.mu.Lock()
	return s
}

// get returns the value of key and moves it to the front, or nil. The
// shard must be locked.
func (s *lruShard[K, V]) get(key K) *V {
	e := s.m[key]
	if e == nil {
		return nil
	}
	s.toFront(e)
	return &e.val
}

// put returns the value of key, adding a zero value (evicting to make
// room) when it is missing; fresh reports whether it was added. The shard
// must be locked.
func (s *lruShard[K, V]) put(c *lru[K, V], key K) (v *V, fresh bool) {
	if v := s.get(key); v != nil {
		return v, false
	}
	if len(s.m) >= s.max {
		s.evict(c.busy)
	}
	e := &lruEntry[K, V]{key: key}
	s.m[key] = e
	s.link(e)
	return &e.val, true
}

// remove forgets key. The shard must be locked.
func (s *lruShard[K, V]) remove(key K) {
	if e := s.m[key]; e != nil {
		s.unlink(e)
		delete(s.m, key)
	}
}

// evict forgets the least recently used entry that is not busy. Busy ones
// are moved to the front; after a few of them the shard is let grow rather
// than spend more time, since busy entries are bounded by the requests in
// flight.
func (s *lruShard[K, V]) evict(busy func(*V) bool) {
	for range 4 {
		e := s.root.prev
		if e == &s.root {
			return
		}
		if busy != nil && busy(&e.val) {
			s.toFront(e)
			continue
		}
		s.unlink(e)
		delete(s.m, e.key)
		return
	}
}

func (s *lruShard[K, V]) link(e *lruEntry[K, V]) {
	e.prev, e.next = &s.root, s.root.next
	s.root.next.prev = e
	s.root.next = e
}

func (s *lruShard[K, V]) unlink(e *lruEntry[K, V]) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (s *lruShard[K, V]) toFront(e *lruEntry[K, V]) {
	if s.root.next == e {
		return
	}
	s.unlink(e)
	s.link(e)
}

// len returns the number of entries; for tests.
func (c *lru[K, V]) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}
