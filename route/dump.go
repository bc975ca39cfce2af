package route

import (
	"strconv"
	"strings"
	"text/tabwriter"
)

// String dumps the table, one rule per line under a header, in aligned
// columns: host ("*" for any host), path ("-" for Default), type, backend and
// origin. Host entries come in a fixed order (exact hosts alphabetically,
// then wildcards, then hostless rules and the global Default last), and each
// entry's rules in the order Match considers them: Exact paths sorted, Regex
// paths in try order, Prefix paths longest first, the Default last. The
// output depends only on the rules, so it suits golden files and diffs.
// Conflicts are not rules and are not shown.
func (t *Table) String() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	w.Write([]byte("HOST\tPATH\tTYPE\tBACKEND\tORIGIN\n"))
	if t != nil {
		for _, r := range t.ruleList() {
			writeRow(w, r)
		}
	}
	w.Flush()
	return b.String()
}

// writeRow writes the five dump columns of r.
func writeRow(w *tabwriter.Writer, r Rule, extra ...string) {
	// Tabs or newlines in an origin would break the columns; origins come
	// from configuration, so quote rather than trust them.
	cells := append([]string{hostColumn(r.Host), pathColumn(r), typeColumn(r), orDash(r.Backend.String()), orDash(r.Origin)}, extra...)
	for i, c := range cells {
		if strings.ContainsAny(c, "\t\n\r\v\f") {
			c = strconv.Quote(c)
		}
		w.Write([]byte(c))
		if i < len(cells)-1 {
			w.Write([]byte{'\t'})
		}
	}
	w.Write([]byte{'\n'})
}
