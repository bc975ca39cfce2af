package ingress

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the decoder and the validator. Neither
// may panic, every problem must come back as an *Error that names its input,
// and whatever decodes must validate without panicking. The seed corpus is
// every manifest under testdata, so plain `go test` runs them all.
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.yaml")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte("--- !!binary AAAA\n"))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems: [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := DecodeBytes("fuzz.yaml", data)
		if set == nil {
			t.Fatal("DecodeBytes returned a nil Set")
		}
		var list ErrorList
		if err != nil && !errors.As(err, &list) {
			t.Fatalf("error is %T, want ErrorList", err)
		}
		for _, e := range list {
			if e.Source.File != "fuzz.yaml" {
				t.Fatalf("error does not name its input: %v", e)
			}
			_ = e.Error()
		}
		if err := set.Validate(); err != nil {
			_ = err.Error()
		}
	})
}
