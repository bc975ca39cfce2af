package proxy

// upstreamLists makes the lists of upstreams by name of a fill. Nearly
// every name has one upstream: its list is cut from a block made for many,
// not allocated alone. A list is never written past its length (a block's
// lists have no room to grow), so appending to one copies it.
type upstreamLists struct {
	block []*upstream // not yet cut
}

// upstreamListBlock is how many lists of one upstream a block holds.
const upstreamListBlock = 256

// add returns list with up appended.
func (l *upstreamLists) add(list []*upstream, up *upstream) []*upstream {
	if len(list) > 0 {
		return append(list, up)
	}
	if len(l.block) == 0 {
		l.block = make([]*upstream, upstreamListBlock)
	}
	one := l.block[:1:1]
	one[0] = up
	l.block = l.block[1:]
	return one
}
