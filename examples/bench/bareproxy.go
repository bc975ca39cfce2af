package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sync"
	"time"
)

// bareCommand is the hidden subcommand that runs the Go floor: a bare
// httputil.ReverseProxy with a tuned transport, no routing, started by the
// harness as its own process so that it can be pinned and measured like
// the others.
const bareCommand = "serve-bare"

// runBare serves a bare reverse proxy until killed.
func runBare(args []string) int {
	fs := flag.NewFlagSet(bareCommand, flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "`ADDR` to serve on")
	target := fs.String("target", "", "backend `URL` (http:// or https://)")
	certFile := fs.String("cert", "", "certificate `FILE`: serve HTTPS")
	keyFile := fs.String("key", "", "key `FILE`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	h, err := newBareProxy(*target)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if *certFile != "" {
		pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		// HTTP/1.1 only, like the clients: no h2 server is configured.
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	fmt.Printf("bare proxy listening on %s\n", ln.Addr())
	err = srv.Serve(ln)
	fmt.Fprintln(os.Stderr, err)
	return 1
}

// newBareProxy returns the floor: Rewrite with SetURL and SetXForwarded,
// pooled copy buffers, and a transport sized for a proxy (a large idle
// pool per host, no compression, no environment proxy), as proxy's own
// benchmark does.
func newBareProxy(rawTarget string) (*httputil.ReverseProxy, error) {
	target, err := url.Parse(rawTarget)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, fmt.Errorf("-target %q: want http://host:port or https://host:port", rawTarget)
	}
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         d.DialContext,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		TLSHandshakeTimeout: 5 * time.Second,
	}
	if target.Scheme == "https" {
		// Same as the others: HTTP/1.1, certificate not verified.
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}}
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // keep the client's Host, as the others do
			pr.SetXForwarded()
		},
		Transport:  tr,
		BufferPool: bytesPool{},
		ErrorLog:   log.New(io.Discard, "", 0),
	}, nil
}

// bytesPool recycles 32 KiB copy buffers.
type bytesPool struct{}

var bufPool = sync.Pool{New: func() any { return new([32 << 10]byte) }}

func (bytesPool) Get() []byte { return bufPool.Get().(*[32 << 10]byte)[:] }

func (bytesPool) Put(b []byte) {
	if cap(b) == 32<<10 {
		bufPool.Put((*[32 << 10]byte)(b[:32<<10]))
	}
}
