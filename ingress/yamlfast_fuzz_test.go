package ingress

import (
	"os"
	"testing"
)

// FuzzFastYAML holds the fast parser to its contract on arbitrary input:
// it declines, or it gives exactly the documents yaml.v3 gives and yaml.v3
// finds no error; parseDocuments, which hands declined input to yaml.v3,
// always gives yaml.v3's documents and error; nothing panics. The seeds
// are the YAML files of the repository and the hand-written cases, all
// but the largest (the CRDs, a 100 KB line): mutating and minimising
// those spends the fuzzing time on a few inputs, and the tests above
// check them as they are.
func FuzzFastYAML(f *testing.F) {
	const maxSeed = 16 << 10
	for _, path := range repositoryYAML(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) <= maxSeed {
			f.Add(data)
		}
	}
	for _, tc := range fastCases {
		if len(tc.in) <= maxSeed {
			f.Add([]byte(tc.in))
		}
	}
	f.Add(manyIngresses(3))
	f.Add([]byte(rootBenchShapes))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFastContract(t, data)
	})
}
