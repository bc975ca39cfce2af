//go:build !unix

package proxy

import "net"

// smallWindowDialer is a plain dialer where the receive buffer cannot be
// set before connecting.
var smallWindowDialer = net.Dialer{}
