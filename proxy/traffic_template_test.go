package proxy

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTemplateExpand checks the nginx variables of auth templates against
// one request. Cookie and argument names compare case-insensitively, as in
// nginx; a mixed-case name once expanded to "" for everybody, so that an
// auth-cache-key of $cookie_SID gave every user the first user's answer.
func TestTemplateExpand(t *testing.T) {
	r := httptest.NewRequest("GET", "http://Shop.Example.com:8080/a%20b/c?Page=2&q=x%20y", nil)
	r.Header.Set("Cookie", "SID=alice; theme=dark")
	r.Header.Set("X-User", "bob")
	for _, tt := range []struct{ template, want string }{
		{"$cookie_SID", "alice"},
		{"$cookie_sid", "alice"},
		{"${cookie_Theme}-x", "dark-x"},
		{"$cookie_missing", ""},
		{"$arg_page", "2"},
		{"$arg_Page", "2"},
		{"$arg_q", "x%20y"}, // raw, as nginx gives it
		{"$http_x_user", "bob"},
		{"$host", "shop.example.com"},
		{"$http_host", "Shop.Example.com:8080"},
		{"$scheme://$host$request_uri", "http://shop.example.com/a%20b/c?Page=2&q=x%20y"},
	} {
		tpl, err := parseTemplate(tt.template)
		require.NoError(t, err, tt.template)
		assert.Equal(t, tt.want, tpl.expand(&reqInfo{r: r, scheme: "http"}), tt.template)
	}
}
