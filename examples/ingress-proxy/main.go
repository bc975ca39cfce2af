// Command ingress-proxy loads Kubernetes Ingress manifests, checks them and
// explains their routing.
//
// It will grow into the full server; today it has two modes:
//
//	go run ./examples/ingress-proxy -check -f examples/seed
//
// prints the merged routing table and every warning and exits 0, or prints
// every error and exits 1;
//
//	go run ./examples/ingress-proxy -f examples/seed -explain https://projectdomain.com/api/me
//
// prints the routing decision for one URL as a JSON object: matched,
// ingress, host, path, pathType and backend of the winning rule, then every
// candidate rule and why it won or lost.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ingressmux/ingressmux/ingress"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// pathList is a repeatable -f flag.
type pathList []string

func (p *pathList) String() string { return strings.Join(*p, ",") }

func (p *pathList) Set(v string) error {
	if v == "" {
		return errors.New("empty path")
	}
	*p = append(*p, v)
	return nil
}

// run is main without the process: it parses args, writes to stdout and
// stderr, and returns the exit code, so tests can drive it.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ingress-proxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files pathList
	fs.Var(&files, "f", "YAML file or directory of Kubernetes manifests (repeatable)")
	check := fs.Bool("check", false, "load and validate the manifests, print the routing table and the warnings; exit 0, or 1 with the errors")
	explain := fs.String("explain", "", "print the routing decision for `URL` as one JSON object")
	var opts ingress.Options
	fs.StringVar(&opts.IngressClass, "ingress-class", "", "take only Ingresses of class `NAME` (default: every Ingress)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ingress-proxy: unexpected arguments %q (manifests are given with -f)\n", fs.Args())
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "ingress-proxy: no manifests: give at least one -f PATH")
		return 2
	}
	switch {
	case *explain != "":
		return runExplain(files, opts, *explain, stdout, stderr)
	case *check:
		return runCheck(files, opts, stdout, stderr)
	}
	fmt.Fprintln(stderr, "ingress-proxy: serving is not implemented yet; use -check or -explain URL")
	return 2
}
