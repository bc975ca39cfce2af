package ingress

import "testing"

// TestSourceString: a source reads as "file:line (document N)", leaving
// out what is unknown; every error and proxy route shows it.
func TestSourceString(t *testing.T) {
	for _, tt := range []struct {
		src  Source
		want string
	}{
		{Source{File: "apps/web.yaml", Doc: 2, Line: 17}, "apps/web.yaml:17 (document 2)"},
		{Source{File: "apps/web.yaml", Doc: 1}, "apps/web.yaml (document 1)"},
		{Source{File: "apps/web.yaml", Line: 3}, "apps/web.yaml:3"},
		{Source{File: "apps/web.yaml"}, "apps/web.yaml"},
		{Source{Doc: 12, Line: 1234567}, "<input>:1234567 (document 12)"},
		{Source{}, "<input>"},
	} {
		if got := tt.src.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.src, got, tt.want)
		}
	}
}
