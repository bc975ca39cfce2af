//go:build unix

package proxy

import (
	"errors"
	"net"
	"syscall"
)

// smallWindowDialer dials with a 4 KiB receive buffer, set before the
// connection is made so that the window the peer sees stays small.
var smallWindowDialer = net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
	})
	return errors.Join(err, serr)
}}
