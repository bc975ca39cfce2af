package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// load reads, validates and compiles the manifests. On failure it prints
// every error and the warnings to stderr and returns nil.
func load(files []string, opts ingress.Options, stderr io.Writer) (*ingress.Set, *ingress.Compiled) {
	set, compiled, err := ingress.LoadFiles(nil, files, opts)
	if err == nil {
		return set, compiled
	}
	printErrors(stderr, err)
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
	gw, ok := compileGateway(set, opts, stderr)
	if !ok {
		printWarnings(stderr, compiled.Warnings)
		return 1
	}
	rules := withGateway(compiled.Table, gw)
	fmt.Fprintf(stdout, "%d route(s) from %s\n\n", len(rules), describeSources(rules))
	printTable(stdout, rules)
	printSettings(stdout, rules, set, opts)
	printGateway(stdout, gw)
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
	warnings := compiled.Warnings
	if gw != nil {
		warnings = append(warnings, gw.Warnings...)
	}
	printWarnings(stdout, warnings)
	return 0
}

// describeSources counts the distinct objects behind the rules, by kind:
// "1 Ingress", "2 Ingresses and 1 HTTPRoute", "2 Ingresses, 1 HTTPRoute
// and 1 GRPCRoute".
func describeSources(rules []route.Rule) string {
	seen := map[string]bool{}
	count := map[string]int{}
	for _, r := range rules {
		kind, name := "Ingress", r.Origin
		if rt, ok := r.Value.(*proxy.Route); ok && rt.Object.Kind != "" {
			kind, name = rt.Object.Kind, rt.Object.String()
		}
		if !seen[name] {
			seen[name] = true
			count[kind]++
		}
	}
	var parts []string
	for _, kind := range []string{"Ingress", "HTTPRoute", "GRPCRoute"} {
		switch n := count[kind]; {
		case n == 1:
			parts = append(parts, "1 "+kind)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, plural(kind)))
		}
	}
	if len(parts) == 0 {
		return "0 Ingresses"
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// plural spells a kind in the plural: Ingresses, HTTPRoutes.
func plural(kind string) string {
	if strings.HasSuffix(kind, "s") {
		return kind + "es"
	}
	return kind + "s"
}

// printErrors prints every error of a load, one a line, and their count.
func printErrors(w io.Writer, err error) {
	var list ingress.ErrorList
	if !errors.As(err, &list) {
		fmt.Fprintln(w, err)
		return
	}
	for _, e := range list {
		fmt.Fprintln(w, e)
	}
	fmt.Fprintf(w, "%d error(s)\n", len(list))
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
