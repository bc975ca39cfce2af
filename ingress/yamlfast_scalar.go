package ingress

import (
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// Scalars for fastYAML: plain, quoted and block scalars, each read as
// libyaml's scanner reads it (yaml.v3's scannerc.go), and the tags yaml.v3
// gives plain scalars.

// plainStart reports whether a plain scalar may start at i in block
// context: not at an indicator, except "-", "?" and ":" followed by a
// character that is not a space.
func (p *fastYAML) plainStart(i int) bool {
	switch p.src[i] {
	case '-', '?', ':':
		return i+1 < p.end && p.src[i+1] != ' '
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ':
		return false
	}
	return true
}

// plainEnd finds the end of the one-line plain scalar at i in block
// context. end is the end of its text (trailing spaces dropped), stop is
// where the scanner stopped: at a ": " (colon is then true), at the space
// before a comment, or at the end of the line.
func (p *fastYAML) plainEnd(i int) (end, stop int, colon bool) {
	s := p.src
	j := i
	for ; j < p.end; j++ {
		if c := s[j]; c == ':' {
			if j+1 == p.end || s[j+1] == ' ' {
				colon = true
				break
			}
		} else if c == ' ' && j+1 < p.end && s[j+1] == '#' {
			break
		}
	}
	end = j
	for end > i && s[end-1] == ' ' {
		end--
	}
	return end, j, colon
}

// plainTag is the tag yaml.v3 resolves a plain scalar to. Most values are
// settled by their first character, as in yaml.v3's resolve; the rest (a
// sign, a digit or a dot first) are resolved by yaml.v3 itself, through
// Node.ShortTag, except plain decimal integers, the commonest.
func plainTag(v string) string {
	if v == "" {
		return "!!null"
	}
	switch c := v[0]; c {
	case '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if len(v) <= 18 && strings.Trim(v, "0123456789") == "" {
			return "!!int"
		}
		return resolvedTag(v)
	case '0', '+', '-', '.':
		return resolvedTag(v)
	case 't', 'T', 'f', 'F':
		switch v {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return "!!bool"
		}
	case 'n', 'N', '~':
		switch v {
		case "null", "Null", "NULL", "~":
			return "!!null"
		}
	case '<':
		if v == "<<" {
			return "!!merge"
		}
	}
	return "!!str"
}

// resolvedTag asks yaml.v3 to resolve a plain scalar.
func resolvedTag(v string) string {
	n := yaml.Node{Kind: yaml.ScalarNode, Value: v}
	return n.ShortTag()
}

// quotedEnd returns the offset just past the quoted scalar at i, or -1
// when it does not close on this line.
func (p *fastYAML) quotedEnd(i int) int {
	s, q := p.src, p.src[i]
	for j := i + 1; j < p.end; j++ {
		switch s[j] {
		case q:
			if q == '\'' && j+1 < p.end && s[j+1] == '\'' {
				j++ // '' is a quote
				continue
			}
			return j + 1
		case '\\':
			if q == '"' {
				j++ // the escaped character cannot close the scalar
			}
		}
	}
	return -1
}

// quotedScalar reads the one-line single- or double-quoted scalar at i
// and returns it with the offset just past it.
func (p *fastYAML) quotedScalar(i int) (*yaml.Node, int) {
	next := p.quotedEnd(i)
	if next < 0 {
		return p.decline("a quoted scalar over several lines"), 0
	}
	raw := p.src[i+1 : next-1]
	if p.src[i] == '\'' {
		v := raw
		if strings.Contains(raw, "''") {
			v = strings.ReplaceAll(raw, "''", "'")
		}
		return p.scalar(v, "!!str", yaml.SingleQuotedStyle, p.num, p.col(i)), next
	}
	v, ok := p.unescape(raw)
	if !ok {
		return p.decline("an escape yaml.v3 rejects"), 0
	}
	return p.scalar(v, "!!str", yaml.DoubleQuotedStyle, p.num, p.col(i)), next
}

// unescape applies the escapes of a one-line double-quoted scalar, those
// yaml.v3 knows (it has no "\/"); ok is false for any other.
func (p *fastYAML) unescape(raw string) (string, bool) {
	k := strings.IndexByte(raw, '\\')
	if k < 0 {
		return raw, true
	}
	b := append(p.buf[:0], raw[:k]...)
	for i := k; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(raw) {
			return "", false
		}
		digits := 0
		switch e := raw[i+1]; {
		case simpleEscapes[e] != "":
			b = append(b, simpleEscapes[e]...)
		case e == 'x':
			digits = 2
		case e == 'u':
			digits = 4
		case e == 'U':
			digits = 8
		default:
			return "", false
		}
		i += 2
		if digits > 0 {
			if i+digits > len(raw) {
				return "", false
			}
			r := 0
			for _, h := range []byte(raw[i : i+digits]) {
				switch {
				case h >= '0' && h <= '9':
					r = r<<4 + int(h-'0')
				case h >= 'a' && h <= 'f':
					r = r<<4 + int(h-'a'+10)
				case h >= 'A' && h <= 'F':
					r = r<<4 + int(h-'A'+10)
				default:
					return "", false
				}
			}
			if (r >= 0xd800 && r <= 0xdfff) || r > 0x10ffff {
				return "", false
			}
			b = utf8.AppendRune(b, rune(r))
			i += digits
		}
	}
	p.buf = b
	return string(b), true
}

// simpleEscapes are the one-character escapes of double-quoted scalars
// and what they stand for, as yaml.v3 reads them.
var simpleEscapes = [256]string{
	'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", 'n': "\n", 'v': "\v", 'f': "\f", 'r': "\r", 'e': "\x1b",
	' ': " ", '"': "\"", '\'': "'", '\\': "\\",
	'N': "\u0085", '_': "\u00a0", 'L': "\u2028", 'P': "\u2029",
}

// blockScalar reads the literal (|) or folded (>) scalar whose header is
// at i, in a collection in column col, as libyaml's
// yaml_parser_scan_block_scalar does, and leaves the parser on the next
// line with content. Empty block scalars are declined: libyaml's rules
// for where they end are subtle and manifests do not use them.
func (p *fastYAML) blockScalar(i, col int) *yaml.Node {
	s := p.src
	literal := s[i] == '|'
	line, column := p.num, p.col(i)
	chomp, increment := 0, 0
	j := i + 1
	indicator := func() {
		if j < p.end && (s[j] == '+' || s[j] == '-') {
			chomp = 1
			if s[j] == '-' {
				chomp = -1
			}
			j++
		}
	}
	digit := func() bool {
		if j < p.end && s[j] >= '0' && s[j] <= '9' {
			if s[j] == '0' {
				return false
			}
			increment = int(s[j] - '0')
			j++
		}
		return true
	}
	if j < p.end && s[j] >= '0' && s[j] <= '9' {
		if !digit() {
			return p.decline("a block scalar indentation of 0")
		}
		indicator()
	} else {
		indicator()
		if !digit() {
			return p.decline("a block scalar indentation of 0")
		}
	}
	if !p.restEmpty(j) {
		return p.decline("text after a block scalar header")
	}
	indent := 0
	if increment > 0 {
		indent = col + increment
	}
	p.nextLine()
	trailing, column0, maxIndent := p.blockBreaks(indent)
	if p.why != "" {
		return nil
	}
	if indent == 0 {
		indent = max(maxIndent, col+1, 1)
	}
	if p.eof() || column0 != indent {
		return p.decline("an empty block scalar")
	}
	b := p.buf[:0]
	leadingBreak, leadingBlank := false, false
	for !p.eof() && column0 == indent {
		k := p.off + indent
		trailingBlank := s[k] == ' ' || s[k] == '\t'
		if !literal && leadingBreak && !leadingBlank && !trailingBlank {
			if trailing == 0 {
				b = append(b, ' ')
			}
		} else if leadingBreak {
			b = append(b, '\n')
		}
		for ; trailing > 0; trailing-- {
			b = append(b, '\n')
		}
		leadingBlank = trailingBlank
		b = append(b, s[k:p.end]...)
		leadingBreak = p.end < len(s)
		p.nextLine()
		trailing, column0, _ = p.blockBreaks(indent)
		if p.why != "" {
			return nil
		}
	}
	if chomp != -1 && leadingBreak {
		b = append(b, '\n')
	}
	if chomp == 1 {
		for ; trailing > 0; trailing-- {
			b = append(b, '\n')
		}
	}
	p.buf = b
	style := yaml.LiteralStyle
	if !literal {
		style = yaml.FoldedStyle
	}
	n := p.scalar(string(b), "!!str", style, line, column)
	if !p.skipBlank() {
		return nil
	}
	return n
}

// blockBreaks eats the empty lines of a block scalar and the indentation
// of the next line with content, as libyaml's
// yaml_parser_scan_block_scalar_breaks does: up to indent spaces, or all
// of them while indent is still 0 (to be detected). It returns the line
// breaks eaten, the column reached on the line with content, and the
// deepest indentation seen.
func (p *fastYAML) blockBreaks(indent int) (breaks, column, maxIndent int) {
	for !p.eof() {
		sp := p.ind
		if indent > 0 && sp > indent {
			sp = indent
		}
		maxIndent = max(maxIndent, sp)
		k := p.off + sp
		if k < p.end && p.src[k] == '\t' && (indent == 0 || sp < indent) {
			p.decline("a tab in a block scalar's indentation")
			return
		}
		if k < p.end {
			return breaks, sp, maxIndent
		}
		if p.end == len(p.src) {
			// Spaces at the end of the input: no line break.
			p.nextLine()
			return breaks, sp, maxIndent
		}
		breaks++
		p.nextLine()
	}
	return breaks, 0, maxIndent
}
