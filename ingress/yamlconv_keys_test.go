package ingress

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestDuplicateKeysInLongMappings checks duplicate keys in mappings short
// enough for the list of seen keys and long enough for its map: each
// duplicate is reported once, on its own line, naming the line of the
// first, and the first value is the one kept.
func TestDuplicateKeysInLongMappings(t *testing.T) {
	for _, keys := range []int{2, seenFew - 1, seenFew, seenFew + 1, 3 * seenFew} {
		t.Run(fmt.Sprint(keys), func(t *testing.T) {
			var doc strings.Builder
			doc.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n") // data: on line 4
			for i := range keys {
				fmt.Fprintf(&doc, "  k%d: \"v%d\"\n", i, i) // k<i> on line 5+i
			}
			// Two duplicates: of the first key and of the last.
			fmt.Fprintf(&doc, "  k0: again\n  k%d: again\n", keys-1)
			set, err := DecodeBytes("dup.yaml", []byte(doc.String()))
			errs, ok := err.(ErrorList)
			if !ok || len(errs) != 2 {
				t.Fatalf("errors %v, want two duplicates", err)
			}
			for i, first := range []int{0, keys - 1} {
				e := errs[i]
				wantField := fmt.Sprintf("data.k%d", first)
				wantDetail := fmt.Sprintf("key %q is also set on line %d", fmt.Sprintf("k%d", first), 5+first)
				if e.Field == nil || e.Field.Type != field.ErrorTypeDuplicate || e.Field.Field != wantField || e.Field.BadValue != wantDetail || e.Source.Line != 5+keys+i {
					t.Errorf("error %d: %+v on line %d, want a duplicate %s (%s) on line %d", i, e.Field, e.Source.Line, wantField, wantDetail, 5+keys+i)
				}
			}
			if len(set.partial.ConfigMaps) != 1 {
				t.Fatalf("partial objects %+v", set.partial)
			}
			data := set.partial.ConfigMaps[0].Data
			if len(data) != keys || data["k0"] != "v0" || data[fmt.Sprintf("k%d", keys-1)] != fmt.Sprintf("v%d", keys-1) {
				t.Errorf("data %v, want the first values of %d keys", data, keys)
			}
		})
	}
}
