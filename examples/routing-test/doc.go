// Package routingtest shows how to unit-test a routing table before
// kubectl apply: load your Ingress YAML in an ordinary Go test and assert
// where URLs go, with the same matcher that serves them.
//
// Copy the test next to your manifests and change the table:
//
//	go test ./examples/routing-test
//
// Each assertion is one line per URL (package ingressmuxtest): where the
// URL goes, what the backend receives, which URLs are redirected or
// refused. A failing one prints the whole decision rule by rule, so
// a surprising match (a longer regex winning, a trailing-slash rule, a
// host that does not fall through) is plain to see.
package routingtest
