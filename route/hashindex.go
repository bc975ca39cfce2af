package route

import "hash/maphash"

// The host and path indexes are open-addressing hash tables over records
// in one string, the arena. A Go map probe costs several cache misses once
// a table outgrows the CPU caches (directory, group control word, slot,
// then the key's bytes elsewhere); here a lookup touches one slot and one
// record, and a record keeps a host's name next to its path keys.
//
// A slot is a uint64: the upper 32 bits of the key's hash (a tag, which
// rejects almost every other key without reading the arena) and the lower
// 32 bits the record's offset in the arena. Records never start at offset
// zero, so an empty slot is 0. Collisions probe linearly, and the slot
// array is at most half full, so a probe rarely leaves its cache line.

// hashSlots returns an empty slot array for n keys: a power of two, at
// least 2n, so that load stays at or below one half.
func hashSlots(n int) []uint64 {
	if n == 0 {
		return nil
	}
	size := 8
	for size < 2*n {
		size *= 2
	}
	return make([]uint64, size)
}

// insertSlot files the record at off under hash h. The caller never inserts
// the same key twice.
func insertSlot(slots []uint64, h uint64, off uint32) {
	mask := uint64(len(slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		if slots[i] == 0 {
			slots[i] = h>>32<<32 | uint64(off)
			return
		}
	}
}

// A filter is a blocked Bloom filter over the hashes of an index's keys.
// A key sets three bits of one 64-bit word, so a check reads one word, and
// with 8 to 16 bits per key about one check in fifty lets an absent key
// through. It spares the lookups of absent keys (the exact host of a
// request that a wildcard or hostless rule answers, the boundaries of a
// path in a large entry) a cache miss in a large index, and is small
// enough to stay in the CPU's caches. Small indexes stay cached themselves
// and have no filter: an empty filter lets everything through.
type filter []uint64

// filterMin is the number of keys from which an index gets a filter.
const filterMin = 1024

// newFilter returns a filter for keys with the given hashes, or none for
// few keys.
func newFilter(hashes []uint64) filter {
	if len(hashes) < filterMin {
		return nil
	}
	size := 1
	for size < len(hashes)/8 {
		size *= 2
	}
	f := make(filter, size)
	for _, h := range hashes {
		f[h&uint64(size-1)] |= filterBits(h)
	}
	return f
}

// filterBits chooses a key's three bits from high hash bits, independent
// of the low bits that choose its word.
func filterBits(h uint64) uint64 {
	return 1<<(h>>40&63) | 1<<(h>>46&63) | 1<<(h>>52&63)
}

// has reports whether a key with hash h may be in the index.
func (f filter) has(h uint64) bool {
	if len(f) == 0 {
		return true
	}
	b := filterBits(h)
	return f[h&uint64(len(f)-1)]&b == b
}

// Host records. A host entry's record is, from its offset:
//
//	0      name length (1 byte; host names are at most 253 bytes)
//	1      number of small path keys (1 byte)
//	2      flags (1 byte, see below)
//	3      unused
//	4      base: index in Table.rules of the entry's first rule (4 bytes)
//	8      the entry's Default as a rule number, 0 for none (4 bytes)
//	12     index of the entry in Table.entries (4 bytes)
//	16     the name: the host, or for a wildcard the part after "*."
//
// For a small entry (flagLarge unset) there follow, per path key, three
// bytes: the key's length, and its Exact and Prefix rules as numbers
// relative to base (rule base+n-1; 0 for none); then the keys' bytes, back
// to back. The keys are listed longest first, so that the first key that
// matches a request path is the longest one (see matchSmall). A Match on a
// small entry therefore reads one short run of adjacent bytes: the name it
// compares, then the keys it scans. A large entry keeps its keys in
// Table.paths instead.
//
// All integers are little-endian.
const hostHeader = 16

// Host record flags.
const (
	flagPrefix       = 1 << iota // some Prefix rule exists: the boundary walk is worth doing
	flagLarge                    // path keys are in Table.paths, not in the record
	flagRegex                    // the entry has Regex rules (in Table.entries)
	flagStringPrefix             // the entry has StringPrefix rules (in Table.entries)
	flagPredicates               // some rule of the entry has predicates: Match walks candidates
)

// Small records hold at most smallPaths keys of at most 255 bytes, and
// relative rule numbers of one byte; a scan of a few adjacent bytes beats
// a hash probe.
const (
	smallPaths    = 8
	smallKeyLen   = 0xff
	smallRuleSpan = 0xff
)

// Path records, for the keys of large entries, in Table.paths:
//
//	0      owner: offset of the host record (4 bytes)
//	4      Exact rule number, 0 for none (4 bytes)
//	8      Prefix rule number, 0 for none (4 bytes)
//	12     key length (4 bytes)
//	16     the key
const pathHeader = 16

// le32 reads a little-endian uint32 at s[i:].
func le32(s string, i int) uint32 {
	s = s[i : i+4]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// put32 appends v little-endian.
func put32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

// hostName returns the name of the host record at off.
func (t *Table) hostName(off uint32) string {
	s := t.arena[off:]
	return s[hostHeader : hostHeader+int(s[0])]
}

// findHost returns the offset of the host record named name in slots (the
// exact or the wildcard index), or 0. A non-empty f stands in front of
// slots.
func (t *Table) findHost(slots []uint64, f filter, name string) uint32 {
	if len(slots) == 0 {
		return 0
	}
	h := maphash.String(t.seed, name)
	if !f.has(h) {
		return 0
	}
	mask := uint64(len(slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := slots[i]
		if s == 0 {
			return 0
		}
		if s>>32 == h>>32 && t.hostName(uint32(s)) == name {
			return uint32(s)
		}
	}
}

// pathHash is the hash of key for the large host whose record is at owner:
// one index serves every large host, so the owner is part of the key.
func (t *Table) pathHash(owner uint32, key string) uint64 {
	h := maphash.String(t.seed, key) ^ uint64(owner)*0x9e3779b97f4a7c15
	return h ^ h>>29 // spread the owner's bits into the low (index) bits too
}

// findPath returns the rules of key in the large host record at owner.
func (t *Table) findPath(owner uint32, key string) pathRules {
	slots := t.paths
	if len(slots) == 0 {
		return pathRules{}
	}
	h := t.pathHash(owner, key)
	if !t.pathFilter.has(h) {
		return pathRules{}
	}
	mask := uint64(len(slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := slots[i]
		if s == 0 {
			return pathRules{}
		}
		if s>>32 != h>>32 {
			continue
		}
		r := t.arena[uint32(s):]
		if n := int(le32(r, 12)); n == len(key) && le32(r, 0) == owner && r[pathHeader:pathHeader+n] == key {
			return pathRules{exact: int32(le32(r, 4)), prefix: int32(le32(r, 8))}
		}
	}
}
