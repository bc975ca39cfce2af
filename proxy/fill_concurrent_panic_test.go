package proxy

import (
	"crypto"
	"crypto/tls"
	"fmt"
	"testing"
	"time"

	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// panickyKey is a private key whose Equal method panics, as a faulty
// signer's might: comparing two transport keys that hold it panics.
type panickyKey struct{}

func (panickyKey) Equal(crypto.PrivateKey) bool { panic("panickyKey.Equal") }

// TestConcurrentFillRaisesPanicInLockedSection checks that a panic while a
// worker of a concurrent fill holds a lock that the others share (here,
// comparing two transport keys whose client certificates hold private
// keys whose Equal panics) reaches the caller of the fill instead of
// leaving the other workers waiting on the lock forever.
func TestConcurrentFillRaisesPanicInLockedSection(t *testing.T) {
	h, err := New(Config{Table: newTable(t)})
	if err != nil {
		t.Fatal(err)
	}
	n := 2 * concurrentFillRules
	// Two upstreams of names in different workers' shards share a
	// ServerName and so are compared; every other upstream has a
	// ServerName of its own, and a transport the workers make under the
	// shared lock until the end.
	byName := newState(newTable(t)).byName
	var clash []string
	for i := 0; len(clash) < 2; i++ {
		name := fmt.Sprint("clash-", i)
		if len(clash) == 0 || byName.shard(name)%2 != byName.shard(clash[0])%2 {
			clash = append(clash, name)
		}
	}
	cert := tls.Certificate{PrivateKey: panickyKey{}}
	var rules []route.Rule
	for i := range n {
		u := &Upstream{Name: fmt.Sprint("svc-", i), Endpoints: []string{"198.18.0.1:443"}, Protocol: HTTPS,
			TLS: tlsconfig.Client{ServerName: fmt.Sprintf("svc-%d.test", i), Certificates: []tls.Certificate{cert}}}
		if i < len(clash) {
			u.Name, u.TLS.ServerName = clash[i], "clash.test"
		}
		rules = append(rules, route.Rule{Host: fmt.Sprintf("h%05d.test", i), Path: "/", Type: route.Prefix, Origin: u.Name, Value: &Route{Upstream: u}})
	}
	table := newTable(t, rules...)
	// A worker that starts late may find the other's work done and run
	// alone: the fill is repeated, so that the workers overlap in some.
	for attempt := range 10 {
		raised := make(chan any, 1)
		go func() {
			defer func() { raised <- recover() }()
			h.fillConcurrent(newState(table), table.Rules(), nil, 2)
		}()
		select {
		case r := <-raised:
			if r == nil {
				t.Fatalf("attempt %d: the fill returned: the test reaches no panic under the shared lock", attempt)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("attempt %d: the fill has not returned after 10 s: its workers wait on a lock a panicking worker held", attempt)
		}
	}
}
