package ingress

import (
	yaml "go.yaml.in/yaml/v3"
)

// Flow collections for fastYAML: [a, b] and {k: v} on one line, nested,
// as manifests write backends and ports ({service: {name: api, port:
// {number: 8080}}}). A flow collection over several lines, a comment inside
// one, explicit keys, single-pair mappings in a sequence ([a: b]), empty
// entries and trailing commas are declined.

// flow reads the flow collection that starts at i ('[' or '{') and
// returns it with the offset just past its end.
func (p *fastYAML) flow(i int) (*yaml.Node, int) {
	s := p.src
	kind, tag, closer := yaml.SequenceNode, "!!seq", byte(']')
	if s[i] == '{' {
		kind, tag, closer = yaml.MappingNode, "!!map", '}'
	}
	n := p.startCollection(kind, tag, i)
	if n == nil {
		return nil, 0
	}
	n.Style = yaml.FlowStyle
	base := len(p.stack)
	j := p.skipSpaces(i + 1)
	if j < p.end && s[j] == closer {
		return p.endCollection(n, base), j + 1
	}
	for {
		if n.Kind == yaml.MappingNode {
			key, next := p.flowScalar(j)
			if key == nil {
				return nil, 0
			}
			if next-j >= fastMaxKeyLen {
				return p.decline("a key near YAML's 1024-character limit"), 0
			}
			if next+1 >= p.end || s[next] != ':' || s[next+1] != ' ' {
				return p.decline("a flow mapping entry that is not key: value"), 0
			}
			key.Value = p.intern(key.Value)
			p.stack = append(p.stack, key)
			j = p.skipSpaces(next + 1)
		}
		item, next := p.flowItem(j)
		if item == nil {
			return nil, 0
		}
		p.stack = append(p.stack, item)
		j = p.skipSpaces(next)
		if j >= p.end {
			return p.decline("a flow collection over several lines"), 0
		}
		if s[j] == closer {
			break
		}
		if s[j] != ',' {
			return p.decline("a flow entry not followed by , or its end"), 0
		}
		j = p.skipSpaces(j + 1)
		if j < p.end && s[j] == closer {
			return p.decline("a trailing comma"), 0
		}
	}
	return p.endCollection(n, base), j + 1
}

// flowItem reads a flow collection or scalar at i.
func (p *fastYAML) flowItem(i int) (*yaml.Node, int) {
	if i < p.end && (p.src[i] == '[' || p.src[i] == '{') {
		return p.flow(i)
	}
	return p.flowScalar(i)
}

// flowScalar reads a quoted or plain scalar inside a flow collection. A
// plain one ends at ",", "]", "}" or ": "; one that holds or meets any
// other indicator ("[", "{", "?", "#", or ":" run into text) is declined.
func (p *fastYAML) flowScalar(i int) (*yaml.Node, int) {
	s := p.src
	if i >= p.end {
		return p.decline("a flow collection over several lines"), 0
	}
	switch s[i] {
	case '"', '\'':
		return p.quotedScalar(i)
	case '-':
		if i+1 >= p.end || !isFlowPlainChar(s[i+1]) {
			return p.decline("a flow entry that starts with an indicator"), 0
		}
	case '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '%', '@', '`', ' ':
		return p.decline("a flow entry that starts with an indicator"), 0
	}
	j := i
	for ; j < p.end; j++ {
		c := s[j]
		if c == ',' || c == ']' || c == '}' {
			break
		}
		if c == ':' && j+1 < p.end && s[j+1] == ' ' {
			break
		}
		if !isFlowPlainChar(c) && c != ' ' {
			return p.decline("an indicator inside a flow scalar"), 0
		}
	}
	if j == p.end {
		return p.decline("a flow collection over several lines"), 0
	}
	end := j
	for s[end-1] == ' ' {
		end--
	}
	v := s[i:end]
	return p.scalar(v, plainTag(v), 0, p.num, p.col(i)), end
}

// isFlowPlainChar reports whether c may stand in a plain scalar inside a
// flow collection without a closer look.
func isFlowPlainChar(c byte) bool {
	switch c {
	case ',', '[', ']', '{', '}', '?', ':', '#', ' ':
		return false
	}
	return true
}

// skipSpaces returns the first offset from i on the current line that is
// not a space.
func (p *fastYAML) skipSpaces(i int) int {
	for i < p.end && p.src[i] == ' ' {
		i++
	}
	return i
}
