package ingress

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

// TestLoadSkipInvalidIngresses checks both stages that can skip an
// Ingress: validation (a bad pathType) and compiling (a bad annotation),
// and that errors about other objects stay fatal.
func TestLoadSkipInvalidIngresses(t *testing.T) {
	ing := func(name, annotations, pathType string) string {
		return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name + "\n  annotations: {" + annotations + "}\n" +
			"spec:\n  rules:\n    - host: " + name + ".example.com\n      http:\n        paths:\n" +
			"          - {path: /, pathType: " + pathType + ", backend: {service: {name: web, port: {number: 80}}}}\n"
	}
	badService := "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: Bogus}\n"
	fsys := fstest.MapFS{
		"good.yaml":      {Data: []byte(ing("good", "", "Prefix"))},
		"bad-spec.yaml":  {Data: []byte(ing("bad-spec", "", "Regex"))},
		"bad-annot.yaml": {Data: []byte(ing("bad-annotation", `nginx.ingress.kubernetes.io/proxy-body-size: "lots"`, "Prefix"))},
		"bad-svc/x.yaml": {Data: []byte(badService)},
	}
	t.Run("refused by default", func(t *testing.T) {
		_, _, err := LoadFiles(fsys, []string{"good.yaml", "bad-spec.yaml"}, Options{})
		require.ErrorContains(t, err, "ingress default/bad-spec: spec.rules[0].http.paths[0].pathType: Unsupported value")
	})
	t.Run("skipped on request", func(t *testing.T) {
		set, compiled, err := LoadFiles(fsys, []string{"good.yaml", "bad-spec.yaml", "bad-annot.yaml"}, Options{SkipInvalidIngresses: true})
		require.NoError(t, err)
		// Validation skips leave the Ingress out of the Set; compile skips
		// leave it out of the table.
		require.Equal(t, []string{"good", "bad-annotation"}, ingressNames(set))
		var skips []string
		for _, w := range compiled.Warnings {
			if strings.Contains(w.Message, "Ingress skipped") {
				skips = append(skips, w.Object+" "+w.Field)
			}
		}
		require.ElementsMatch(t, []string{
			"ingress default/bad-spec spec.rules[0].http.paths[0].pathType",
			"ingress default/bad-annotation metadata.annotations[nginx.ingress.kubernetes.io/proxy-body-size]",
		}, skips)
		require.Len(t, compiled.Table.Rules(), 1)
		require.Equal(t, "ingress default/good", compiled.Table.Rules()[0].Origin)
	})
	t.Run("other objects stay fatal", func(t *testing.T) {
		_, _, err := LoadFiles(fsys, []string{"good.yaml", "bad-svc"}, Options{SkipInvalidIngresses: true})
		require.ErrorContains(t, err, "service default/web: spec.type")
	})
}
