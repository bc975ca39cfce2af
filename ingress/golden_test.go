package ingress

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGoldenValid decodes and validates each testdata/valid/*.yaml file and
// compares a summary of what was loaded (objects, where they came from, their
// decoded specs and every warning) with the file's .golden twin.
func TestGoldenValid(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no valid inputs: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			set, err := ReadFiles(file)
			if err != nil {
				t.Fatalf("ReadFiles(%q): %v", file, err)
			}
			if err := set.Validate(); err != nil {
				t.Fatalf("Validate(%q): %v", file, err)
			}
			checkGolden(t, strings.TrimSuffix(file, ".yaml")+".golden", summarize(t, set))
		})
	}
}

// TestGoldenInvalid loads each testdata/invalid/*.yaml file and checks that
// the problems found are exactly the ones its "# want:" header lines name
// (field path and error type, or "error" and a message fragment for problems
// without a field), then compares the rendered messages with the .golden
// twin, so wording changes are reviewed too.
func TestGoldenInvalid(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil || len(files) < 50 {
		t.Fatalf("want at least 50 invalid inputs, found %d (%v)", len(files), err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			wants := readWants(t, file)
			errs := loadErrors(file)
			if len(errs) == 0 {
				t.Fatalf("%s loaded without errors, want %q", file, wants)
			}
			var got []string
			for _, e := range errs {
				got = append(got, describe(e, wants))
			}
			slices.Sort(got)
			slices.Sort(wants)
			if !slices.Equal(got, wants) {
				t.Errorf("errors of %s:\n got: %q\nwant: %q\nfull:\n%v", file, got, wants, errs)
			}
			var rendered bytes.Buffer
			for _, e := range errs {
				fmt.Fprintln(&rendered, e)
			}
			checkGolden(t, strings.TrimSuffix(file, ".yaml")+".golden", rendered.String())
		})
	}
}

// loadErrors decodes, then validates what decoded, as a user's loader does.
func loadErrors(file string) ErrorList {
	set, err := ReadFiles(file)
	var list ErrorList
	errors.As(err, &list)
	var verr ErrorList
	errors.As(set.Validate(), &verr)
	return append(list, verr...)
}

// describe renders an error as "<field> <type>", or for errors without a
// field as "error <fragment>" when one of the wanted fragments occurs in the
// message.
func describe(e *Error, wants []string) string {
	if e.Field != nil {
		typ := e.Field.Type.String()
		if e.Field.Type == ErrorTypeUnknownField {
			typ = "Unknown field"
		}
		return e.Field.Field + " " + typ
	}
	for _, w := range wants {
		if frag, ok := strings.CutPrefix(w, "error "); ok && strings.Contains(e.Error(), frag) {
			return w
		}
	}
	return "error " + e.Error()
}

func readWants(tb testing.TB, file string) []string {
	tb.Helper()
	f, err := os.Open(file)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var wants []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if want, ok := strings.CutPrefix(sc.Text(), "# want: "); ok {
			wants = append(wants, strings.TrimSpace(want))
		}
	}
	if len(wants) == 0 {
		tb.Fatalf("%s has no '# want:' lines", file)
	}
	return wants
}

// summarize renders a Set for golden files: each object with its source, its
// content as YAML, and the warnings.
func summarize(tb testing.TB, set *Set) string {
	tb.Helper()
	var b strings.Builder
	dump := func(ref string, src Source, obj any) {
		out, err := yaml.Marshal(obj)
		if err != nil {
			tb.Fatalf("marshal %s: %v", ref, err)
		}
		fmt.Fprintf(&b, "# %s from %s\n%s---\n", ref, src, out)
	}
	for _, o := range set.Ingresses {
		dump(o.Ref(), o.Source, o.Ingress)
	}
	for _, o := range set.IngressClasses {
		dump(o.Ref(), o.Source, o.IngressClass)
	}
	for _, o := range set.Services {
		dump(o.Ref(), o.Source, o.Service)
	}
	for _, o := range set.EndpointSlices {
		dump(o.Ref(), o.Source, o.EndpointSlice)
	}
	for _, o := range set.Secrets {
		dump(o.Ref(), o.Source, o.Secret)
	}
	for _, o := range set.ConfigMaps {
		dump(o.Ref(), o.Source, o.ConfigMap)
	}
	for _, w := range set.Warnings {
		fmt.Fprintf(&b, "# warning: %s\n", w)
	}
	return b.String()
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(tb testing.TB, golden, got string) {
	tb.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		tb.Fatalf("%v (run go test ./ingress -update to create it)", err)
	}
	if string(want) != got {
		tb.Errorf("%s differs (run go test ./ingress -update and review the diff):\n--- want\n%s\n--- got\n%s", golden, want, got)
	}
}
