package gateway

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestStatusGolden compiles every ported conformance manifest and compares the
// table, listeners, certificates, warnings and status with
// testdata/golden: the status the library computes is deterministic and
// reviewed as a whole.
func TestStatusGolden(t *testing.T) {
	for _, cc := range conformanceCases {
		t.Run(cc.manifest, func(t *testing.T) {
			out, err := Compile(loadManifests(t, cc.manifest), Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", "golden", cc.manifest+".golden"), render(t, out))
		})
	}
}

// render spells a Compiled for golden files.
func render(t *testing.T, out *Compiled) string {
	var b strings.Builder
	b.WriteString("# table\n")
	if out.Table != nil {
		b.WriteString(out.Table.String())
	}
	b.WriteString("\n# listeners\n")
	for _, l := range out.Listeners {
		b.WriteString(l.String() + "\n")
	}
	b.WriteString("\n# certificates\n")
	for _, c := range out.TLS {
		b.WriteString(c.Host + " " + c.Secret + " (" + c.Origin + ")\n")
	}
	b.WriteString("\n# warnings\n")
	for _, w := range out.Warnings {
		b.WriteString(w.String() + "\n")
	}
	b.WriteString("\n# status\n")
	y, err := yaml.Marshal(out.Status)
	if err != nil {
		t.Fatal(err)
	}
	b.Write(y)
	return b.String()
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs; rerun with -update if the change is intended\n--- got:\n%s", path, got)
	}
}
