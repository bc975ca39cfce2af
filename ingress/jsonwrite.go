package ingress

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// The converter's JSON writer. The common values (plain ASCII strings,
// decimal integers, booleans) are appended directly; anything else goes
// through encoding/json, so that escaping and number formatting are the
// standard library's.

// While storeOnly holds, nothing is written: the converter only stores
// values (see typed).

func (c *converter) null() {
	if !c.storeOnly {
		c.out = append(c.out, "null"...)
	}
}

func (c *converter) bool(b bool) {
	if !c.storeOnly {
		c.out = strconv.AppendBool(c.out, b)
	}
}

func (c *converter) int(i int64) {
	if !c.storeOnly {
		c.out = strconv.AppendInt(c.out, i, 10)
	}
}

// punct appends one character of JSON syntax.
func (c *converter) punct(b byte) {
	if !c.storeOnly {
		c.out = append(c.out, b)
	}
}

// str appends s as a JSON string.
func (c *converter) str(s string) {
	if c.storeOnly {
		return
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b == '"' || b == '\\' || b >= utf8.RuneSelf {
			c.value(s)
			return
		}
	}
	c.out = append(c.out, '"')
	c.out = append(c.out, s...)
	c.out = append(c.out, '"')
}

// strOrNull appends s, or null when ok is false.
func (c *converter) strOrNull(s string, ok bool) {
	if !ok {
		c.null()
		return
	}
	c.str(s)
}

// key starts a member of an object; first tracks whether a comma is due.
func (c *converter) key(k string, first *bool) {
	if c.storeOnly {
		return
	}
	if !*first {
		c.out = append(c.out, ',')
	}
	*first = false
	c.str(k)
	c.out = append(c.out, ':')
}

// number appends a YAML number's text as a JSON number, which encoding/json
// checks: YAML numbers such as 0x1F or 1_000 are not JSON numbers.
func (c *converter) number(s string) { c.value(json.Number(s)) }

// value appends v through encoding/json. The first value it cannot encode
// is kept in outErr: the whole object then fails to decode, as it did when
// the object was encoded in one piece.
func (c *converter) value(v any) {
	if c.storeOnly {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		if c.outErr == nil {
			c.outErr = err
		}
		c.null()
		return
	}
	c.out = append(c.out, data...)
}

// scalarInt reads an integer scalar as YAML resolves it. Plain decimal
// numbers, by far the commonest, are parsed here; other forms (0x1F, 0o17,
// 017, 1_000) go through the YAML decoder.
func scalarInt(n *yaml.Node) (int64, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		return 0, false
	}
	if isPlainDecimal(n.Value) {
		v, err := strconv.ParseInt(n.Value, 10, 64)
		return v, err == nil
	}
	var v int64
	if err := n.Decode(&v); err != nil {
		return 0, false
	}
	return v, true
}

// isPlainDecimal reports whether s is an optional minus sign and digits
// without a leading zero, the form in which YAML's base-prefixed integer
// rules and base 10 agree.
func isPlainDecimal(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// scalarBool reads a boolean scalar as YAML resolves it.
func scalarBool(n *yaml.Node) (bool, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		return false, false
	}
	switch n.Value {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	var b bool
	err := n.Decode(&b)
	return b, err == nil
}
