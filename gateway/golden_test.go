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

// baseGateways are the Gateways of the conformance base objects, which
// every test loads; golden files leave them out where no route uses them.
var baseGateways = map[string]bool{
	"same-namespace": true, "all-namespaces": true, "backend-namespaces": true, "same-namespace-with-https-listener": true,
}

// withoutUnusedBase returns out without the base Gateways that no route
// attaches to.
func withoutUnusedBase(out *Compiled) *Compiled {
	unused := map[string]bool{}
	st := out.Status
	st.Gateways = nil
	for _, g := range out.Status.Gateways {
		attached := int32(0)
		for _, l := range g.Status.Listeners {
			attached += l.AttachedRoutes
		}
		if baseGateways[g.Name] && attached == 0 {
			unused[g.Namespace+"/"+g.Name] = true
			continue
		}
		st.Gateways = append(st.Gateways, g)
	}
	cp := *out
	cp.Status, cp.Listeners, cp.TLS = st, nil, nil
	for _, l := range out.Listeners {
		if !unused[l.Gateway] {
			cp.Listeners = append(cp.Listeners, l)
		}
	}
	for _, c := range out.TLS {
		if !strings.Contains(c.Origin, "same-namespace-with-https-listener") || !unused["gateway-conformance-infra/same-namespace-with-https-listener"] {
			cp.TLS = append(cp.TLS, c)
		}
	}
	return &cp
}

// render spells a Compiled for golden files.
func render(t *testing.T, out *Compiled) string {
	out = withoutUnusedBase(out)
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
