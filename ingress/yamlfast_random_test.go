package ingress

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestFastYAMLRandomManifests holds the fast parser to yaml.v3 on
// generated documents of the subset in random layouts (indentation widths,
// indentless and compact sequences, flow collections, block scalars of
// every chomping, comments and blank lines anywhere, awkward scalars), and
// on each of them with one random character inserted, deleted or
// replaced: near misses are where a parser that accepts too much shows.
// Most generated documents must be read by the fast parser, or the test
// would prove little.
func TestFastYAMLRandomManifests(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 2026))
	n := 400
	if testing.Short() {
		n = 50
	}
	handled := 0
	for range n {
		g := &yamlGen{rng: rng}
		g.stream()
		in := g.b.String()
		if checkFastContract(t, []byte(in)) {
			handled++
		}
		for range 10 {
			checkFastContract(t, []byte(g.mutate(in)))
		}
	}
	if handled < n*8/10 {
		t.Errorf("the fast parser read %d of %d generated streams; the generator or the parser drifted", handled, n)
	}
}

// yamlGen writes random YAML of the fast parser's subset.
type yamlGen struct {
	rng   *rand.Rand
	b     strings.Builder
	depth int
}

var genScalars = []string{
	"a", "name", "api-1", "8080", "0", "-1", "010", "0x1F", "1e3", ".5", "1_000", "true", "False", "null", "~",
	"yes", "on", "2001-12-14", "198.18.0.1", "http://x:80/", "a#b", "a b  c", "x[0]", "-x", ":x", "?x", "<<",
	"é", "ключ", "'q'", "\"dq\"", "'it''s'", "\"a # b\"", "\"tab\\tx\"", "'a: b'", "\"\\u00e9\\x41\"", "nginx.ingress.kubernetes.io/rewrite-target",
}

// genFlowScalars are those of genScalars that may stand in a flow
// collection: no "#", ":" or "?" outside quotes, no "[".
var genFlowScalars = []string{
	"a", "name", "api-1", "8080", "0", "-1", "010", "0x1F", "1e3", ".5", "1_000", "true", "null", "~", "yes",
	"2001-12-14", "198.18.0.1", "a b  c", "-x", "<<", "é", "'q'", "\"dq\"", "'it''s'", "\"a # b\"", "'a: b'", "\"\\u00e9\"",
}

var genKeys = []string{"a", "b", "name", "port", "spec", "1", "true", "null", "'q k'", "\"d k\"", "a.b/c", "-k", "<<", "ключ"}

func (g *yamlGen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *yamlGen) stream() {
	docs := 1 + g.rng.IntN(3)
	for d := range docs {
		if d > 0 || g.rng.IntN(2) == 0 {
			g.b.WriteString("---\n")
		}
		g.comments(0)
		if g.rng.IntN(8) == 0 {
			continue // an empty document
		}
		if g.rng.IntN(4) == 0 {
			g.sequence(0)
		} else {
			g.mapping(0)
		}
	}
}

// comments writes blank lines and comment lines, sometimes.
func (g *yamlGen) comments(indent int) {
	for g.rng.IntN(5) == 0 {
		if g.rng.IntN(2) == 0 {
			g.b.WriteString("\n")
		} else {
			fmt.Fprintf(&g.b, "%s# c\n", strings.Repeat(" ", g.rng.IntN(indent+3)))
		}
	}
}

func (g *yamlGen) step() int { return 1 + g.rng.IntN(4) }

func (g *yamlGen) mapping(indent int) {
	g.depth++
	defer func() { g.depth-- }()
	for i := range 1 + g.rng.IntN(4) {
		if i > 0 {
			g.b.WriteString(strings.Repeat(" ", indent))
		}
		fmt.Fprintf(&g.b, "%s:", g.pick(genKeys))
		g.value(indent, true)
		g.comments(indent)
	}
}

func (g *yamlGen) sequence(indent int) {
	g.depth++
	defer func() { g.depth-- }()
	for i := range 1 + g.rng.IntN(4) {
		if i > 0 {
			g.b.WriteString(strings.Repeat(" ", indent))
		}
		g.b.WriteString("-")
		switch {
		case g.depth < 5 && g.rng.IntN(4) == 0: // compact mapping
			pad := 1 + g.rng.IntN(3)
			g.b.WriteString(strings.Repeat(" ", pad))
			g.mapping(indent + 1 + pad)
		case g.depth < 5 && g.rng.IntN(8) == 0: // compact sequence
			g.b.WriteString(" ")
			g.sequence(indent + 2)
		default:
			g.value(indent, false)
		}
		g.comments(indent)
	}
}

// value writes what follows a key's ":" or an entry's "-", ending the line.
func (g *yamlGen) value(indent int, inMapping bool) {
	switch r := g.rng.IntN(10); {
	case r < 4 || g.depth > 5:
		fmt.Fprintf(&g.b, " %s", g.pick(genScalars))
		g.lineEnd()
	case r < 5:
		g.b.WriteString(" ")
		g.flow(0)
		g.lineEnd()
	case r < 6:
		g.blockScalar(indent)
	case r < 7:
		g.lineEnd() // empty, or null
	default:
		g.lineEnd()
		g.comments(indent)
		child := indent + g.step()
		if inMapping && g.rng.IntN(3) == 0 {
			child = indent // Kubernetes' indentless sequence
		}
		g.b.WriteString(strings.Repeat(" ", child))
		if child == indent || g.rng.IntN(2) == 0 {
			g.sequence(child)
		} else {
			g.mapping(child)
		}
	}
}

func (g *yamlGen) lineEnd() {
	switch g.rng.IntN(6) {
	case 0:
		g.b.WriteString(" # c")
	case 1:
		g.b.WriteString("  ")
	}
	g.b.WriteString("\n")
}

func (g *yamlGen) flow(depth int) {
	if depth > 2 || g.rng.IntN(3) == 0 {
		g.b.WriteString(g.pick(genFlowScalars))
		return
	}
	open, closer := "[", "]"
	mapping := g.rng.IntN(2) == 0
	if mapping {
		open, closer = "{", "}"
	}
	g.b.WriteString(open)
	for i := range g.rng.IntN(4) {
		if i > 0 {
			g.b.WriteString(", ")
		}
		if mapping {
			fmt.Fprintf(&g.b, "%s: ", g.pick(genKeys))
		}
		g.flow(depth + 1)
	}
	g.b.WriteString(closer)
}

func (g *yamlGen) blockScalar(indent int) {
	g.b.WriteString(" " + g.pick([]string{"|", "|-", "|+", ">", ">-", ">+", "|2", ">1-"}))
	g.lineEnd()
	in := indent + 2
	fmt.Fprintf(&g.b, "%stext %s\n", strings.Repeat(" ", in), g.pick(genScalars))
	for range g.rng.IntN(4) {
		switch g.rng.IntN(5) {
		case 0:
			g.b.WriteString("\n")
		case 1:
			fmt.Fprintf(&g.b, "%s  more %s\n", strings.Repeat(" ", in), g.pick(genScalars))
		default:
			fmt.Fprintf(&g.b, "%stext %s\n", strings.Repeat(" ", in), g.pick(genScalars))
		}
	}
}

// mutate changes one character of in: an insertion, deletion or
// replacement with a character YAML cares about.
func (g *yamlGen) mutate(in string) string {
	if in == "" {
		return " "
	}
	i := g.rng.IntN(len(in))
	c := string(" \n-:#'\"[]{},|>&*!?\tx"[g.rng.IntN(20)])
	switch g.rng.IntN(3) {
	case 0:
		return in[:i] + c + in[i:]
	case 1:
		return in[:i] + in[i+1:]
	}
	return in[:i] + c + in[i+1:]
}
