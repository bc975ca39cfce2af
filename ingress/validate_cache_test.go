package ingress

import (
	"math/rand/v2"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

// TestFastChecksAgree checks the hand-written recognisers of passing
// names against apimachinery's checks, which stay the reference: on
// edge cases and on random strings of the characters that matter, each
// passes exactly what apimachinery passes.
func TestFastChecksAgree(t *testing.T) {
	cases := []string{"", "a", "A", "0", "-", "a-", "-a", "a-b", "a--b", "0a", "a0", "a.b", "a..b", ".a", "a.",
		"a.-b", "a-.b", "web.example.com", "Web.example.com", "a_b", "é", "a\n", "a\nb",
		strings.Repeat("a", 63), strings.Repeat("a", 64), strings.Repeat("a", 253), strings.Repeat("a", 254),
		strings.Repeat("a.", 126) + "a", strings.Repeat("a.", 126) + "ab"}
	const alphabet = "az09-.A_\n "
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if got, want := isDNS1035Label(s), len(validation.IsDNS1035Label(s)) == 0; got != want {
			t.Errorf("isDNS1035Label(%q) = %v, apimachinery says %v", s, got, want)
		}
		if got, want := isDNS1123Subdomain(s), len(validation.IsDNS1123Subdomain(s)) == 0; got != want {
			t.Errorf("isDNS1123Subdomain(%q) = %v, apimachinery says %v", s, got, want)
		}
	}
}
