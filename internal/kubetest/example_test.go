package kubetest_test

import (
	"encoding/base64"
	"fmt"

	"github.com/ingressmux/ingressmux/internal/kubetest"
)

// The apiserver's audit log names the token behind each request by its jti
// claim; a test finds which replica wrote what by comparing the two.
func ExampleTokenCredentialID() {
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"system:serviceaccount:ingressmux:ingressmux","jti":"5e1f0c7a"}`))
	id, err := kubetest.TokenCredentialID("eyJhbGciOiJSUzI1NiJ9." + payload + ".c2lnbmF0dXJl")
	fmt.Println(id, err)
	// Output: JTI=5e1f0c7a <nil>
}
