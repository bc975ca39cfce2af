package proxy

import (
	"hash/maphash"
	"iter"
	"slices"
)

// A cowMap is a map split into shards by the hash of its keys, which a
// clone shares until it writes to them: writing copies only the shard
// written. The handler's state is replaced, never changed, on every
// Update, and copying whole maps of a 100,000-route table cost tens of
// milliseconds per change; with shards an Update copies the few it
// touches. A lookup costs one hash more than a map's. A cowMap is not
// safe for concurrent writes; a clone may be read while another clone is
// written.
type cowMap[K comparable, V any] struct {
	seed   maphash.Seed
	shards []map[K]V
	mine   []bool // the shards made for this map, which it may write
	n      int
}

// cowShards is the number of shards: at 100,000 entries a shard copied
// is a few hundred entries, and a clone copies 256 pointers.
const cowShards = 256

func newCowMap[K comparable, V any]() *cowMap[K, V] {
	return &cowMap[K, V]{seed: maphash.MakeSeed(), shards: make([]map[K]V, cowShards), mine: make([]bool, cowShards)}
}

// newCowMapFor returns an empty map sized for about n entries. It owns its
// shards, which nothing shares yet, so filling it copies nothing, and a
// shard made for its share of n does not grow (rehashing every entry) on
// the way there. Below a few entries per shard, shards are made as they
// are first written, as newCowMap's are.
func newCowMapFor[K comparable, V any](n int) *cowMap[K, V] {
	m := newCowMap[K, V]()
	per := n / cowShards
	if per < cowMinShard {
		return m
	}
	for i := range m.shards {
		m.shards[i], m.mine[i] = make(map[K]V, per), true
	}
	return m
}

// cowMinShard is the fewest entries per shard for which newCowMapFor makes
// the shards up front: for fewer, cowShards maps made at once cost more
// than growing the few that are written.
const cowMinShard = 8

func (m *cowMap[K, V]) shard(k K) int {
	return int(maphash.Comparable(m.seed, k) % cowShards)
}

// get returns the value of k, or the zero value.
func (m *cowMap[K, V]) get(k K) V {
	v, _ := m.lookup(k)
	return v
}

// lookup returns the value of k and whether there is one.
func (m *cowMap[K, V]) lookup(k K) (V, bool) {
	if m == nil {
		var zero V
		return zero, false
	}
	v, ok := m.shards[m.shard(k)][k]
	return v, ok
}

// writable returns shard i, copied first when it is shared.
func (m *cowMap[K, V]) writable(i int) map[K]V {
	if !m.mine[i] {
		own := make(map[K]V, len(m.shards[i])+1)
		for k, v := range m.shards[i] {
			own[k] = v
		}
		m.shards[i], m.mine[i] = own, true
	}
	return m.shards[i]
}

func (m *cowMap[K, V]) set(k K, v V) {
	s := m.writable(m.shard(k))
	if _, ok := s[k]; !ok {
		m.n++
	}
	s[k] = v
}

// add sets k, which m does not hold: what set does, without looking for
// k first.
func (m *cowMap[K, V]) add(k K, v V) {
	m.writable(m.shard(k))[k] = v
	m.n++
}

// counted adds n to the number of entries, for a builder that added them
// to the shards itself (writable(i)[k] = v), one goroutine a shard, which
// add, writing the count too, does not allow.
func (m *cowMap[K, V]) counted(n int) {
	m.n += n
}

// reserve makes shard i, which m holds nothing in yet, m's own and sized
// for n entries: for a builder that knows about how many it will add.
func (m *cowMap[K, V]) reserve(i, n int) {
	m.shards[i], m.mine[i] = make(map[K]V, n), true
}

// trim makes shard i again at the size of its entries if it was reserved
// for more than twice as many: a shard is kept for as long as the state.
func (m *cowMap[K, V]) trim(i, reserved int) {
	s := m.shards[i]
	if reserved <= 2*len(s) {
		return
	}
	fit := make(map[K]V, len(s))
	for k, v := range s {
		fit[k] = v
	}
	m.shards[i] = fit
}

func (m *cowMap[K, V]) del(k K) {
	i := m.shard(k)
	if _, ok := m.shards[i][k]; !ok {
		return
	}
	delete(m.writable(i), k)
	m.n--
}

// len returns the number of entries.
func (m *cowMap[K, V]) len() int {
	if m == nil {
		return 0
	}
	return m.n
}

// clone returns a map with the same entries, sharing every shard with m
// until either writes to it.
func (m *cowMap[K, V]) clone() *cowMap[K, V] {
	c := &cowMap[K, V]{seed: m.seed, shards: append([]map[K]V(nil), m.shards...), mine: make([]bool, cowShards), n: m.n}
	clear(m.mine) // m shares its shards from now on, too
	return c
}

// all yields every entry, in no particular order.
func (m *cowMap[K, V]) all() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		if m == nil {
			return
		}
		for _, s := range m.shards {
			for k, v := range s {
				if !yield(k, v) {
					return
				}
			}
		}
	}
}

// removeFrom removes v from the list of k in m, and k with the last of
// its list. The list is copied, not changed in place: the state being
// served may share it.
func removeFrom[K, V comparable](m *cowMap[K, []V], k K, v V) {
	list := slices.DeleteFunc(slices.Clone(m.get(k)), func(have V) bool { return have == v })
	if len(list) == 0 {
		m.del(k)
	} else {
		m.set(k, list)
	}
}
