// Package parallel runs the independent pieces of one job on several
// goroutines and behaves, to its caller, as one call would: it returns
// when every piece is done, and a panic in a piece is raised again on the
// caller's goroutine, so that a caller that recovers (an HTTP server, a
// reload loop) still can. The packages of this module use it to spread a
// large load over every CPU; it imports only the standard library, so
// every layer may use it.
package parallel
