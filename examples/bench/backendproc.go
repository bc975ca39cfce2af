package main

import (
	"bufio"
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// backendCommand is the hidden subcommand that runs the backend.
const backendCommand = "serve-backend"

// runBackendServer serves the backend until killed. It prints its
// addresses on one line, which startBackend waits for.
func runBackendServer(args []string) int {
	fs := flag.NewFlagSet(backendCommand, flag.ContinueOnError)
	certFile := fs.String("cert", "", "certificate `FILE` of the HTTPS port")
	keyFile := fs.String("key", "", "key `FILE`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	b, err := listenBackend(&certs{Pair: pair})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("backend http=%s https=%s\n", b.HTTPAddr, b.HTTPSAddr)
	select {} // until killed
}

// backendProc is the running backend process.
type backendProc struct {
	HTTPAddr, HTTPSAddr string
	proc                *process
}

// startBackend starts the backend on core and waits for its addresses.
func startBackend(e *env) (*backendProc, error) {
	logPath := filepath.Join(e.Dir, "backend.log")
	p, err := startProcess("backend", e.LoadCore, goEnv, logPath, e.SelfBin, backendCommand, "-cert", e.Certs.CertFile, "-key", e.Certs.KeyFile)
	if err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !p.Exited(); time.Sleep(10 * time.Millisecond) {
		f, err := os.Open(logPath)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var b backendProc
			if _, err := fmt.Sscanf(strings.TrimSpace(sc.Text()), "backend http=%s https=%s", &b.HTTPAddr, &b.HTTPSAddr); err == nil {
				f.Close()
				b.proc = p
				return &b, nil
			}
		}
		f.Close()
	}
	p.Stop(time.Second)
	return nil, fmt.Errorf("backend did not start:\n%s", p.LogTail(10))
}

// Close stops the backend process.
func (b *backendProc) Close() { b.proc.Stop(2 * time.Second) }
