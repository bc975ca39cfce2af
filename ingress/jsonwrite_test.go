package ingress

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v3"
)

// scalarNode parses text as the value of a one-key YAML mapping.
func scalarNode(tb testing.TB, text string) *yaml.Node {
	tb.Helper()
	var doc yaml.Node
	require.NoError(tb, yaml.Unmarshal([]byte("v: "+text+"\n"), &doc))
	return doc.Content[0].Content[1]
}

// The integer and boolean fast paths must read every scalar as the YAML
// decoder does, in particular YAML's base prefixes and leading zeros.
func TestScalarFastPathsMatchYAML(t *testing.T) {
	for _, text := range []string{
		"0", "-0", "7", "+5", "-42", "017", "0017", "0o17", "0x1F", "-0x1F", "0b101", "1_000",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"18446744073709551616", "!!int 12", "!!int \"12\"", "1.5", "abc", "true", "True", "TRUE",
		"false", "False", "!!bool true", "yes", "on", "~", "null",
	} {
		n := scalarNode(t, text)
		gotInt, gotOK := scalarInt(n)
		var wantInt int64
		wantOK := n.Tag == "!!int" && n.Decode(&wantInt) == nil
		assert.Equal(t, wantOK, gotOK, "scalarInt(%s) ok", text)
		if wantOK {
			assert.Equal(t, wantInt, gotInt, "scalarInt(%s)", text)
		}
		gotBool, gotOK := scalarBool(n)
		var wantBool bool
		wantOK = n.Tag == "!!bool" && n.Decode(&wantBool) == nil
		assert.Equal(t, wantOK, gotOK, "scalarBool(%s) ok", text)
		assert.Equal(t, wantBool, gotBool, "scalarBool(%s)", text)
	}
}

// Strings are written by the converter itself when they need no escaping
// and through encoding/json otherwise; either way the object decoded holds
// exactly the string in the YAML.
func TestStringsSurviveTheJSONStep(t *testing.T) {
	values := []string{
		"plain", "", "a/b.c-d_e", `say "hi"`, `back\slash`, "tab\there", "new\nline", "\x01\x1f",
		"<html>&amp;", "café", "日本語", "emoji 🚀", "\u2028\u2029", "trailing space ",
	}
	var doc strings.Builder
	doc.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: apps}\ndata:\n")
	for i, v := range values {
		// Both the key and the value carry the string: keys go through the
		// same writer.
		fmt.Fprintf(&doc, "  %q: %q\n", fmt.Sprintf("k%d %s", i, v), v)
	}
	set, err := DecodeBytes("c.yaml", []byte(doc.String()))
	require.NoError(t, err)
	require.Len(t, set.ConfigMaps, 1)
	want := map[string]string{}
	for i, v := range values {
		want[fmt.Sprintf("k%d %s", i, v)] = v
	}
	assert.Equal(t, want, set.ConfigMaps[0].Data)
}

// Integers in YAML's other forms reach integer fields with their YAML
// value: the fast path for plain decimals must not read 017 as 17.
func TestIntegerFormsDecodeToTheirYAMLValue(t *testing.T) {
	for _, tt := range []struct {
		text string
		want int32
	}{
		{"8080", 8080}, {"0x1F", 31}, {"017", 15}, {"0o17", 15}, {"1_000", 1000}, {"+80", 80},
	} {
		set, err := DecodeBytes("s.yaml", []byte(`apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: s, namespace: apps}
addressType: IPv4
endpoints: [{addresses: [198.18.0.1]}]
ports: [{port: `+tt.text+`}]
`))
		require.NoError(t, err, tt.text)
		require.Len(t, set.EndpointSlices, 1)
		require.Len(t, set.EndpointSlices[0].Ports, 1)
		assert.Equal(t, tt.want, *set.EndpointSlices[0].Ports[0].Port, "port: %s", tt.text)
	}
}
