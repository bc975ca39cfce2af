// Package routingtest shows how to unit-test a routing table before
// kubectl apply: load your Ingress YAML in an ordinary Go test and assert
// where URLs go, with the same matcher that serves them.
//
// Copy routing_test.go next to your manifests and change the table:
//
//	go test ./examples/routing-test
//
// A failing row prints the routing decision rule by rule (Mux.Explain), so
// a surprising match (a longer regex winning, a trailing-slash rule, a
// host that does not fall through) is plain to see.
package routingtest
