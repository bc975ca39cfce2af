package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/route"
)

// load reads, validates and compiles the manifests. On failure it prints
// every error and the warnings to stderr and returns nil.
func load(files []string, opts ingress.Options, stderr io.Writer) (*ingress.Set, *ingress.Compiled) {
	set, compiled, err := ingress.LoadFiles(nil, files, opts)
	if err == nil {
		return set, compiled
	}
	var list ingress.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintln(stderr, e)
		}
		fmt.Fprintf(stderr, "%d error(s)\n", len(list))
	} else {
		fmt.Fprintln(stderr, err)
	}
	warnings := set.Warnings
	if compiled != nil {
		warnings = compiled.Warnings
	}
	printWarnings(stderr, warnings)
	return nil, nil
}

// runCheck prints the routing table, the TLS hosts and every warning
// (exit 0), or every error (exit 1). Warnings are printed in both cases: a
// migrating user needs to see what will not carry over.
func runCheck(files []string, opts ingress.Options, stdout, stderr io.Writer) int {
	set, compiled := load(files, opts, stderr)
	if compiled == nil {
		return 1
	}
	rules := compiled.Table.Rules()
	fmt.Fprintf(stdout, "%d route(s) from %s\n\n", len(rules), describeSources(rules))
	printTable(stdout, rules)
	printSettings(stdout, rules, set, opts)
	if len(compiled.TLS) > 0 {
		fmt.Fprintln(stdout)
		for _, t := range compiled.TLS {
			host := t.Host
			if host == "" {
				host = "(default certificate)"
			}
			fmt.Fprintf(stdout, "tls  %s  secret %s  (%s)\n", host, t.Secret, t.Origin)
		}
	}
	printDifferences(stdout, opts.Matching, compiled.Differences)
	printWarnings(stdout, compiled.Warnings)
	return 0
}

// describeSources counts the distinct Ingresses behind the rules.
func describeSources(rules []route.Rule) string {
	seen := map[string]bool{}
	for _, r := range rules {
		seen[r.Origin] = true
	}
	if len(seen) == 1 {
		return "1 Ingress"
	}
	return fmt.Sprintf("%d Ingresses", len(seen))
}

func printWarnings(w io.Writer, warnings []ingress.Warning) {
	if len(warnings) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%d warning(s):\n", len(warnings))
	for _, warning := range warnings {
		fmt.Fprintln(w, "  "+warning.String())
	}
}
