//go:build unix && !aix

package proxy

import "syscall"

// directPathSupported: the direct pool can check idle connections (see
// directConn.unsolicited), so it is used.
const directPathSupported = true

// socketPeek looks at a socket without reading from it.
type socketPeek struct {
	raw   syscall.RawConn // nil: not a socket
	buf   [1]byte
	found bool
	look  func(fd uintptr) bool // sp.peek, bound once so that a look allocates nothing
}

// pending reports whether the socket has bytes waiting or was closed by
// its peer. Without a socket (a connection of the tests' own) it reports
// false.
func (sp *socketPeek) pending() bool {
	if sp.raw == nil {
		return false
	}
	if sp.look == nil {
		sp.look = sp.peek
	}
	if err := sp.raw.Read(sp.look); err != nil {
		return true
	}
	return sp.found
}

// peek is one non-blocking MSG_PEEK receive: bytes, end of stream and
// errors all count as found; only "would block" means an idle socket.
func (sp *socketPeek) peek(fd uintptr) bool {
	_, _, err := syscall.Recvfrom(int(fd), sp.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	sp.found = err != syscall.EAGAIN && err != syscall.EWOULDBLOCK
	return true // done: never wait for the socket to become readable
}
