package gateway

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// FuzzValidate feeds arbitrary YAML to Validate as every kind: whatever the
// input, Validate returns errors and never panics, and a returned object is
// JSON-like.
func FuzzValidate(f *testing.F) {
	files, _ := filepath.Glob("testdata/conformance/httproute-*.yaml")
	for _, file := range files[:min(len(files), 20)] {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(tenRuleRoute()))
	f.Add([]byte("{metadata: {name: [1]}, spec: {listeners: [{name: a, port: -1, protocol: TCP, hostname: x}]}}"))
	kinds := knownKinds()
	f.Fuzz(func(t *testing.T, data []byte) {
		var obj map[string]any
		if err := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096).Decode(&obj); err != nil || obj == nil {
			return
		}
		for _, kind := range kinds {
			out, _ := Validate("gateway.networking.k8s.io/v1", kind, obj)
			if out != nil {
				if _, err := copyJSON(out, 0); err != nil {
					t.Fatalf("Validate(%s) returned a value that is not JSON: %v", kind, err)
				}
			}
		}
	})
}
