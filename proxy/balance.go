package proxy

import (
	"slices"
	"sync/atomic"
)

// upstream is an Upstream ready to serve: its endpoints, its transport and
// a round-robin position. Routes of one table that share an *Upstream share
// one upstream, so they share the rotation too.
type upstream struct {
	name       string
	endpoints  []string
	te         *transportEntry
	teTLS      *transportEntry // AutoHTTP only: the transport for TLS clients
	serverName string          // TLS.ServerName; empty: the endpoint's host is verified
	n          atomic.Uint64
}

func newBalancer(u *Upstream, te, teTLS *transportEntry) *upstream {
	return &upstream{name: u.Name, endpoints: slices.Clone(u.Endpoints), te: te, teTLS: teTLS, serverName: u.TLS.ServerName}
}

// transport returns the transport for a request whose client connection
// is TLS or not: they differ only for AutoHTTP.
func (up *upstream) transport(clientTLS bool) *transportEntry {
	if clientTLS && up.teTLS != nil {
		return up.teTLS
	}
	return up.te
}

// next returns the next endpoint in round-robin order, or false when there
// is none.
func (up *upstream) next() (string, bool) {
	switch len(up.endpoints) {
	case 0:
		return "", false
	case 1:
		return up.endpoints[0], true
	}
	i := up.n.Add(1) - 1
	return up.endpoints[i%uint64(len(up.endpoints))], true
}
