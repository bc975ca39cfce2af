//go:build !unix || aix

package proxy

import "syscall"

// directPathSupported: without a non-blocking look at a socket, an idle
// connection cannot be checked before reuse (see directConn.unsolicited),
// so every request goes through http.Transport.
const directPathSupported = false

// socketPeek is unused where directPathSupported is false.
type socketPeek struct{ raw syscall.RawConn }

// pending reports true: an idle connection that cannot be checked is not
// reused.
func (sp *socketPeek) pending() bool { return true }
