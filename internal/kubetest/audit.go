package kubetest

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// The audit policy of every control plane: one Metadata-level event per
// completed request of a ServiceAccount (the program under test: what it
// did, and whether RBAC let it) and per completed write of anyone; nothing
// for the administrator's and the apiserver's own reads, so the log stays
// small even while the test writes thousands of objects.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
  - level: Metadata
    userGroups: ["system:serviceaccounts"]
  - level: Metadata
    verbs: ["create", "update", "patch", "delete", "deletecollection"]
  - level: None
`

// credentialIDKey is the user extra under which the apiserver records which
// token authenticated a request.
const credentialIDKey = "authentication.kubernetes.io/credential-id"

// AuditEvent is the part of a kube-apiserver audit event (audit.k8s.io/v1)
// that tests look at: who wrote what, and how it ended.
type AuditEvent struct {
	// Verb is the API verb: create, update, patch, delete.
	Verb string `json:"verb"`
	// RequestURI is the request's path and query.
	RequestURI string `json:"requestURI"`
	// User is the authenticated user.
	User struct {
		// Username is the user's name, such as
		// system:serviceaccount:NS:NAME.
		Username string `json:"username"`
		// Extra holds what the authenticator added, such as the token's
		// credential id.
		Extra map[string][]string `json:"extra"`
	} `json:"user"`
	// RequestReceived is when the apiserver received the request.
	RequestReceived time.Time `json:"requestReceivedTimestamp"`
	// UserAgent is the client's User-Agent header.
	UserAgent string `json:"userAgent"`
	// ObjectRef names the object written.
	ObjectRef struct {
		// Resource is the plural resource name, such as "ingresses".
		Resource string `json:"resource"`
		// Namespace is the object's namespace.
		Namespace string `json:"namespace"`
		// Name is the object's name.
		Name string `json:"name"`
		// APIGroup is the resource's API group; "" for the core group.
		APIGroup string `json:"apiGroup"`
		// Subresource is, for example, "status".
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
	// ResponseStatus holds the response code.
	ResponseStatus struct {
		// Code is the HTTP status code of the response.
		Code int `json:"code"`
	} `json:"responseStatus"`
}

// CredentialID is the id of the token that authenticated the request
// ("JTI=..." for a ServiceAccount token), or "" for other credentials.
func (e AuditEvent) CredentialID() string {
	if ids := e.User.Extra[credentialIDKey]; len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// AuditEvents returns the requests the apiserver has audited so far (across
// restarts), oldest first: every request of a ServiceAccount and every
// write.
func (cp *ControlPlane) AuditEvents(tb testing.TB) []AuditEvent {
	tb.Helper()
	f, err := os.Open(cp.auditLog)
	if err != nil {
		tb.Fatalf("kubetest: %v", err)
	}
	defer f.Close()
	var events []AuditEvent
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for scanner.Scan() {
		var e AuditEvent
		if err := json.Unmarshal(scanner.Bytes(), &e); err != nil {
			// The apiserver may be writing the last line right now.
			continue
		}
		events = append(events, e)
	}
	if err := scanner.Err(); err != nil {
		tb.Fatalf("kubetest: reading the audit log: %v", err)
	}
	return events
}

// TokenCredentialID returns the credential id under which the apiserver
// audits requests made with a ServiceAccount token: "JTI=" and the token's
// jti claim.
func TokenCredentialID(token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("kubetest: token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("kubetest: token payload: %w", err)
	}
	var claims struct {
		JTI string `json:"jti"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return "", fmt.Errorf("kubetest: token claims: %w", err)
	}
	if claims.JTI == "" {
		return "", fmt.Errorf("kubetest: token has no jti claim")
	}
	return "JTI=" + claims.JTI, nil
}
