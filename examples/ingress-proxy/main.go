// Command ingress-proxy loads Kubernetes Ingress manifests and checks them.
//
// It will grow into the full server; today it has its load-and-check mode:
//
//	go run ./examples/ingress-proxy -check -f examples/seed
//
// prints what was loaded and every warning and exits 0, or prints every error
// and exits 1.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
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
	check := fs.Bool("check", false, "load and validate the manifests, print what was loaded and the warnings; exit 0, or 1 with the errors")
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
	if !*check {
		fmt.Fprintln(stderr, "ingress-proxy: serving is not implemented yet; use -check")
		return 2
	}
	return runCheck(files, stdout, stderr)
}
