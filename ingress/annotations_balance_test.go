package ingress

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux/proxy"
)

// annotated prefixes the names of a map of annotations.
func annotated(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[nginx+kv[i]] = kv[i+1]
	}
	return m
}

func TestBalanceAnnotationValues(t *testing.T) {
	for _, tt := range []struct {
		name        string
		annotations map[string]string
		want        proxy.Balancing
	}{
		{"none", annotated(), proxy.Balancing{}},
		{"round robin", annotated("load-balance", "round_robin"), proxy.Balancing{}},
		{"ewma", annotated("load-balance", "ewma"), proxy.Balancing{Balance: proxy.EWMA}},
		{"hash", annotated("upstream-hash-by", "$request_uri"), proxy.Balancing{HashBy: "$request_uri"}},
		{"hash with text and braces", annotated("upstream-hash-by", "${http_x_user}-v1_$Arg_ID"), proxy.Balancing{HashBy: "${http_x_user}-v1_$Arg_ID"}},
		{"hash subset, default size", annotated("upstream-hash-by", "$remote_addr", "upstream-hash-by-subset", "true"),
			proxy.Balancing{HashBy: "$remote_addr", HashSubsetSize: 3}},
		{"hash subset of 5", annotated("upstream-hash-by", "$cookie_session", "upstream-hash-by-subset", "true", "upstream-hash-by-subset-size", "5"),
			proxy.Balancing{HashBy: "$cookie_session", HashSubsetSize: 5}},
		{"hash subset size without subset", annotated("upstream-hash-by", "$uri", "upstream-hash-by-subset-size", "5"),
			proxy.Balancing{HashBy: "$uri"}},
		{"affinity defaults", annotated("affinity", "cookie"),
			proxy.Balancing{Affinity: &proxy.Affinity{Mode: proxy.AffinityBalanced, Name: "INGRESSCOOKIE"}}},
		{"affinity, every cookie setting", annotated("affinity", "cookie", "affinity-mode", "persistent",
			"session-cookie-name", "route", "session-cookie-path", "/app", "session-cookie-domain", ".Example.com",
			"session-cookie-samesite", "none", "session-cookie-conditional-samesite-none", "true",
			"session-cookie-secure", "true", "session-cookie-max-age", "172800", "session-cookie-expires", "3600",
			"session-cookie-change-on-failure", "true"),
			proxy.Balancing{Affinity: &proxy.Affinity{Mode: proxy.AffinityPersistent,
				Name: "route", Path: "/app", Domain: ".example.com", SameSite: http.SameSiteNoneMode, ConditionalSameSiteNone: true,
				Secure: true, MaxAge: 48 * time.Hour, Expires: time.Hour, ChangeOnFailure: true}}},
		{"affinity wins over hash and load-balance", annotated("affinity", "cookie", "upstream-hash-by", "$uri", "load-balance", "ewma"),
			proxy.Balancing{Affinity: &proxy.Affinity{Mode: proxy.AffinityBalanced, Name: "INGRESSCOOKIE"}}},
		{"hash wins over load-balance", annotated("upstream-hash-by", "$uri", "load-balance", "ewma"), proxy.Balancing{HashBy: "$uri"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, errs, _ := compileAnnotated(t, tt.annotations)
			require.Empty(t, errs)
			assert.Equal(t, tt.want, got.Balance)
		})
	}
}

func TestBalanceAnnotationErrors(t *testing.T) {
	for _, tt := range []struct {
		name, value, want string // want: the field error after "Invalid value: VALUE: "
	}{
		{"load-balance", "least_conn", `supported values: "round_robin", "ewma"`},
		{"load-balance", "EWMA", `supported values: "round_robin", "ewma"`},
		{"load-balance", "chash", `supported values: "round_robin", "ewma"; chash is what ingress-nginx calls upstream-hash-by internally: set upstream-hash-by instead`},
		{"load-balance", "sticky_balanced", `supported values: "round_robin", "ewma"; sticky_balanced is what ingress-nginx calls cookie affinity internally: set affinity: "cookie" and affinity-mode instead`},
		{"upstream-hash-by", "$request_id", "unknown variable $request_id: supported variables are $request_uri, $uri, $document_uri, $args, $query_string, $host, $remote_addr, $binary_remote_addr, $scheme, $request_method, $http_NAME, $cookie_NAME, $arg_NAME"},
		{"upstream-hash-by", "${http_}", "unknown variable $http_: supported variables are $request_uri, $uri, $document_uri, $args, $query_string, $host, $remote_addr, $binary_remote_addr, $scheme, $request_method, $http_NAME, $cookie_NAME, $arg_NAME"},
		{"upstream-hash-by", "$request_uri $host", "must be nginx variables and text of letters, digits, - and _, such as $request_uri or ${http_x_user}-v1"},
		{"upstream-hash-by", "", "must be nginx variables and text of letters, digits, - and _, such as $request_uri or ${http_x_user}-v1"},
		{"upstream-hash-by", "${request_uri", `"${request_uri" has no closing "}"`},
		{"upstream-hash-by", "a-$", `"$" must be followed by a variable name, such as $request_uri`},
		{"upstream-hash-by", "${http_x-user}", `variable name "http_x-user" may hold letters, digits and _ only`},
		{"upstream-hash-by-subset", "yes", "must be a boolean: true or false"},
		{"upstream-hash-by-subset-size", "0", "must be a whole number of endpoints from 1 to 1000"},
		{"affinity", "ip", `supported values: "cookie"`},
		{"affinity", "Cookie", `supported values: "cookie"`},
		{"affinity-mode", "sticky", `supported values: "balanced", "persistent"`},
		{"session-cookie-name", "my cookie", "must be a cookie name: letters, digits and !#$%&'*+-.^_`|~"},
		{"session-cookie-path", "app", "must be a path starting with /, without spaces or semicolons"},
		{"session-cookie-path", "/a;b", "must be a path starting with /, without spaces or semicolons"},
		{"session-cookie-domain", "example.com/x", "must be a domain name such as example.com, optionally with a leading dot"},
		{"session-cookie-samesite", "Sometimes", `supported values: "None", "Lax", "Strict"`},
		{"session-cookie-secure", "on", "must be a boolean: true or false"},
		{"session-cookie-max-age", "0", "must be a whole number of seconds greater than 0, such as 172800"},
		{"session-cookie-expires", "2d", "must be a whole number of seconds greater than 0, such as 172800"},
		{"session-cookie-change-on-failure", "maybe", "must be a boolean: true or false"},
	} {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			_, errs, _ := compileAnnotated(t, annotated(tt.name, tt.value))
			require.Len(t, errs, 1)
			want := "metadata.annotations[" + nginx + tt.name + "]: Invalid value: " + quoteYAML(tt.value) + ": " + tt.want
			assert.Equal(t, want, errs[0].Field.Error())
		})
	}
}

func TestBalanceAnnotationWarnings(t *testing.T) {
	at := func(name string) string { return "metadata.annotations[" + nginx + name + "]" }
	for _, tt := range []struct {
		name        string
		annotations map[string]string
		want        []string // field: message
	}{
		{"cookie settings without affinity", annotated("session-cookie-name", "s", "affinity-mode", "persistent"), []string{
			at("affinity-mode") + `: ignored: there is no affinity: "cookie"`,
			at("session-cookie-name") + `: ignored: there is no affinity: "cookie"`,
		}},
		{"affinity over hash and load-balance", annotated("affinity", "cookie", "upstream-hash-by", "$uri", "upstream-hash-by-subset", "true", "load-balance", "ewma"), []string{
			at("upstream-hash-by") + ": ignored: cookie affinity takes precedence, as in ingress-nginx",
			at("upstream-hash-by-subset") + ": ignored: cookie affinity takes precedence, as in ingress-nginx",
			at("load-balance") + ": ignored: cookie affinity takes precedence, as in ingress-nginx",
		}},
		{"hash over load-balance", annotated("upstream-hash-by", "$uri", "load-balance", "round_robin"), []string{
			at("load-balance") + ": ignored: upstream-hash-by takes precedence, as in ingress-nginx",
		}},
		{"subset without hash", annotated("upstream-hash-by-subset", "true", "upstream-hash-by-subset-size", "4"), []string{
			at("upstream-hash-by-subset") + ": ignored: there is no upstream-hash-by",
			at("upstream-hash-by-subset-size") + ": ignored: there is no upstream-hash-by",
		}},
		{"subset size without subset", annotated("upstream-hash-by", "$uri", "upstream-hash-by-subset-size", "4"), []string{
			at("upstream-hash-by-subset-size") + `: ignored: upstream-hash-by-subset is not "true"`,
		}},
		{"conditional SameSite without None", annotated("affinity", "cookie", "session-cookie-samesite", "Lax", "session-cookie-conditional-samesite-none", "true"), []string{
			at("session-cookie-conditional-samesite-none") + `: ignored: it only applies to session-cookie-samesite: "None"`,
		}},
		{"nothing to say", annotated("affinity", "cookie", "session-cookie-samesite", "None", "session-cookie-conditional-samesite-none", "true"), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, errs, warnings := compileAnnotated(t, tt.annotations)
			require.Empty(t, errs)
			var got []string
			for _, w := range warnings {
				got = append(got, w.Field+": "+w.Message)
			}
			assert.ElementsMatch(t, tt.want, got)
		})
	}
}
