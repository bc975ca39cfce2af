package proxy

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Consistent hashing, for upstream-hash-by and balanced affinity. Each
// endpoint owns ringPoints points on a ring of 64-bit hashes, placed by
// hashing its address; a key belongs to the endpoint of the first point at
// or after the key's hash. Adding an endpoint adds its points and moves to
// it only the keys that now fall on them, about 1/n of all keys; removing
// one moves only its own keys. This is ketama's scheme, which
// ingress-nginx's resty.chash follows too. Points depend on addresses
// alone, so every replica of a proxy, and every reload, sends a key to the
// same endpoint.

// ringPoints is the number of points per endpoint: ketama's 160 keeps the
// share of each endpoint within a few percent of 1/n.
const ringPoints = 160

// ring is the sorted points of the endpoints of an upstream.
type ring struct {
	points []uint64
	owners []int32 // endpoint index of each point
}

func newRing(endpoints []string) *ring {
	type point struct {
		h     uint64
		owner int32
	}
	pts := make([]point, 0, len(endpoints)*ringPoints)
	var buf []byte
	for i, ep := range endpoints {
		for j := range ringPoints {
			buf = strconv.AppendInt(append(append(buf[:0], ep...), '#'), int64(j), 10)
			h := newHasher()
			h.addBytes(buf)
			pts = append(pts, point{h.sum(), int32(i)})
		}
	}
	// Ties (vanishingly rare) are broken by address order, so that the
	// ring does not depend on the order of the endpoints.
	slices.SortFunc(pts, func(a, b point) int {
		switch {
		case a.h < b.h:
			return -1
		case a.h > b.h:
			return 1
		}
		return strings.Compare(endpoints[a.owner], endpoints[b.owner])
	})
	r := &ring{points: make([]uint64, len(pts)), owners: make([]int32, len(pts))}
	for i, p := range pts {
		r.points[i], r.owners[i] = p.h, p.owner
	}
	return r
}

// at returns the position of the first point at or after h, wrapping.
func (r *ring) at(h uint64) int {
	i, _ := slices.BinarySearch(r.points, h)
	if i == len(r.points) {
		i = 0
	}
	return i
}

// lookup returns the endpoint that owns h.
func (r *ring) lookup(h uint64) int { return int(r.owners[r.at(h)]) }

// walk returns the first endpoint clockwise from h for which accept is
// true, or -1.
func (r *ring) walk(h uint64, accept func(int) bool) int {
	start := r.at(h)
	for k := range len(r.points) {
		i := start + k
		if i >= len(r.points) {
			i -= len(r.points)
		}
		if ep := int(r.owners[i]); accept(ep) {
			return ep
		}
	}
	return -1
}

// subsetPick returns a random endpoint of the subset of h: the first size
// distinct endpoints clockwise from h. Endpoints for which skip is true
// are left out of the draw; -1 means the whole subset was skipped. Subsets
// taken this way stay consistent: a new endpoint changes the subsets of
// about size/n of the keys, each by one member.
func (r *ring) subsetPick(h uint64, size, n int, skip func(int) bool) int {
	size = min(size, n)
	var seenBuf [16]int
	seen := seenBuf[:0]
	chosen, eligible := -1, 0
	start := r.at(h)
	for k := 0; k < len(r.points) && len(seen) < size; k++ {
		i := start + k
		if i >= len(r.points) {
			i -= len(r.points)
		}
		ep := int(r.owners[i])
		if slices.Contains(seen, ep) {
			continue
		}
		seen = append(seen, ep)
		if skip != nil && skip(ep) {
			continue
		}
		// Reservoir sampling: each eligible member ends up chosen with
		// probability 1/eligible.
		eligible++
		if rand.IntN(eligible) == 0 {
			chosen = ep
		}
	}
	return chosen
}

// chooseByHash returns the endpoint for the key of in, leaving out the
// endpoints in tried (a retry). A request whose key is empty is balanced
// in turn, as nginx's own hash does. A retry walks the ring on from the
// key's endpoint, or picks another member of its subset, so that each key
// fails over to the same place. It returns "" when every endpoint was
// tried.
func (s *selector) chooseByHash(up *upstream, in pickInput, tried []string) string {
	h, ok := s.hash.sum(&in)
	if !ok || len(up.endpoints) == 1 {
		if tried == nil {
			if in.dry {
				ep, _ := up.peek()
				return ep
			}
			ep, _ := up.next()
			return ep
		}
		ep, _ := up.untriedInTurn(tried)
		return ep
	}
	var skip func(int) bool
	if tried != nil {
		skip = func(i int) bool { return slices.Contains(tried, up.endpoints[i]) }
	}
	if s.subset > 0 {
		if i := s.ring.subsetPick(h, s.subset, len(up.endpoints), skip); i >= 0 {
			return up.endpoints[i]
		}
	}
	if skip == nil {
		return up.endpoints[s.ring.lookup(h)]
	}
	if i := s.ring.walk(h, func(i int) bool { return !skip(i) }); i >= 0 {
		return up.endpoints[i]
	}
	return ""
}

// hasher is 64-bit FNV-1a with a final avalanche step (murmur3's fmix64),
// which spreads similar inputs such as "10.0.0.1:80#1" and "10.0.0.1:80#2"
// evenly over the ring. It is fixed, not seeded, so that hashes agree
// across processes.
type hasher struct {
	h uint64
	n int // bytes added
}

func newHasher() hasher { return hasher{h: 14695981039346656037} }

func (h *hasher) add(s string) {
	for i := 0; i < len(s); i++ {
		h.h = (h.h ^ uint64(s[i])) * 1099511628211
	}
	h.n += len(s)
}

func (h *hasher) addBytes(b []byte) {
	for _, c := range b {
		h.h = (h.h ^ uint64(c)) * 1099511628211
	}
	h.n += len(b)
}

func (h *hasher) sum() uint64 {
	x := h.h
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// hashString returns the hash of s.
func hashString(s string) uint64 {
	h := newHasher()
	h.add(s)
	return h.sum()
}
