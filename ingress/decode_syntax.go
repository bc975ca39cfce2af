package ingress

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	yaml2 "sigs.k8s.io/yaml/goyaml.v2"
)

// The YAML parser reports a syntax error on the line where the enclosing
// block starts, not where the problem is: a key indented one space too far
// on line 14 comes back as "line 5: did not find expected key" when the
// mapping started on line 5. locateSyntaxError finds the line users need.

// syntaxSearchBudget bounds the bytes re-parsed while looking for the line
// of one syntax error, so that a broken multi-megabyte file costs no more
// than a few parses of it; linearLines is how far the search steps line by
// line before it halves the rest.
const (
	syntaxSearchBudget = 8 << 20
	linearLines        = 16
)

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// yamlErrorLine splits a parser error into the line it names (0 when none)
// and the message without it.
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, msg[len(m[0]):]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// locateSyntaxError returns the line of the syntax error err found in data
// and its message. The problem is on the first line, at or after the one
// the parser names, at which the text cut after that line fails with the
// same message: everything before it parses.
func locateSyntaxError(data []byte, err error) (int, string) {
	reported, msg := yamlErrorLine(err)
	if reported == 0 {
		return 0, msg
	}
	lineStarts := []int{0}
	for i, b := range data {
		if b == '\n' {
			lineStarts = append(lineStarts, i+1)
		}
	}
	if reported > len(lineStarts) {
		return reported, msg
	}
	// Cut from the start of the broken document: the "---" at or before
	// the reported line, else the start of the input.
	start := 0
	for l := reported; l >= 1; l-- {
		if bytes.HasPrefix(data[lineStarts[l-1]:], []byte("---")) {
			start = lineStarts[l-1]
			break
		}
	}
	spent := 0
	fails := func(l int) bool {
		end := len(data)
		if l < len(lineStarts) {
			end = lineStarts[l]
		}
		spent += end - start
		_, cutMsg := parseAll(data[start:end])
		return cutMsg == msg
	}
	last := len(lineStarts)
	// The YAML v2 parser names the line of the problem itself, but counts
	// from 0 or 1 depending on the kind of error: it is a hint, checked.
	if h := problemLineHint(data); h > reported && h <= last {
		for _, l := range []int{h, h + 1} {
			if l <= last && fails(l) && !fails(l-1) {
				return l, msg
			}
		}
	}
	// The problem is usually a few lines below the block's start: step.
	for l := reported; l <= last && l < reported+linearLines; l++ {
		if fails(l) {
			return l, msg
		}
	}
	// Then halve: text cut before the problem parses, text cut after it
	// fails the same way.
	lo, hi := reported+linearLines, last
	if lo > hi || !fails(hi) {
		return reported, msg
	}
	for lo < hi && spent < syntaxSearchBudget {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo < hi {
		return reported, msg // out of budget: the parser's line is better than a guess
	}
	return hi, msg
}

// parseAll parses every document of data and returns the message of the
// first syntax error, or "".
func parseAll(data []byte) (int, string) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return 0, ""
		}
		if err != nil {
			return yamlErrorLine(err)
		}
	}
}

// problemLineHint returns the line the YAML v2 parser gives for the first
// syntax error of data, or 0.
func problemLineHint(data []byte) int {
	dec := yaml2.NewDecoder(bytes.NewReader(data))
	for {
		var v any
		err := dec.Decode(&v)
		if err == nil {
			continue
		}
		line, _ := yamlErrorLine(err)
		return line
	}
}
