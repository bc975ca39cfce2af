package gateway

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// upstreamCase is one test case of the Gateway API project's CEL tests; see
// testdata/upstream-cel/README.md.
type upstreamCase struct {
	Name       string         `json:"name"`
	Kind       string         `json:"kind"`
	WantErrors []string       `json:"wantErrors"`
	Object     map[string]any `json:"object"`
}

// TestUpstreamCELCases runs the Gateway API project's own validation cases:
// an object upstream's apiserver accepts must pass, and one it rejects must
// fail with every message upstream expects.
func TestUpstreamCELCases(t *testing.T) {
	files, err := filepath.Glob("testdata/upstream-cel/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no upstream cases: %v", err)
	}
	total := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var cases []upstreamCase
		if err := yaml.UnmarshalStrict(data, &cases); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		total += len(cases)
		for _, tc := range cases {
			t.Run(tc.Name, func(t *testing.T) {
				apiVersion, _ := tc.Object["apiVersion"].(string)
				_, errs := Validate(apiVersion, tc.Kind, tc.Object)
				if len(tc.WantErrors) == 0 {
					if len(errs) > 0 {
						t.Fatalf("Validate(%s) = %v, want no errors", tc.Kind, errs)
					}
					return
				}
				if len(errs) == 0 {
					t.Fatalf("Validate(%s) = no errors, want %q", tc.Kind, tc.WantErrors)
				}
				got := errs.ToAggregate().Error()
				for _, want := range tc.WantErrors {
					if !matchesAPIServerMessage(got, want) {
						t.Errorf("Validate(%s) = %s\nwant it to contain %q", tc.Kind, got, want)
					}
				}
			})
		}
	}
	if total < 150 {
		t.Errorf("only %d upstream cases; the ported files hold 181", total)
	}
}

// matchesAPIServerMessage is upstream's comparison: since Kubernetes 1.32
// some CEL messages say "longer" where older ones said "more".
func matchesAPIServerMessage(got, want string) bool {
	return strings.Contains(got, want) || strings.Contains(got, strings.ReplaceAll(want, "more", "longer"))
}
