package ingress

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// directCases are documents that take every branch of direct decoding and
// of its hand-over to encoding/json.
const directCases = `---
apiVersion: v1
kind: Service
metadata:
  name: s
  creationTimestamp: null
  labels: {a: "1", "ü": "ö", empty: null}
  annotations: {}
spec:
  ports:
    - {name: http, port: 80, targetPort: 8080}
    - {name: https, port: 443, targetPort: https}
    - {name: other, port: 81, targetPort: "81"}
  selector: {}
  externalIPs: []
  clusterIPs: [null]
  ipFamilyPolicy: null
---
apiVersion: v1
kind: Service
metadata: {name: stamped, creationTimestamp: "2024-05-01T12:00:00Z"}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata:
  name: stamped-fraction
  creationTimestamp: "2024-05-01T12:00:00.123456+02:00"
  deletionTimestamp: 2024-05-01T12:00:00Z
  managedFields: [{manager: m, time: "2024-05-01T12:00:00Z"}]
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: stamp-bad, creationTimestamp: "yesterday"}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: stamp-empty, creationTimestamp: ""}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Secret
metadata: {name: tls}
type: kubernetes.io/tls
data: {tls.crt: dGVzdA==, tls.key: dGVzdA==}
stringData: {extra: text}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: merged
  annotations: &common
    "nginx.ingress.kubernetes.io/rewrite-target": "/$2"
    quoted: "a \"b\" \\ c\u00e9\t"
spec:
  defaultBackend: &backend {service: {name: web, port: {number: 80}}}
  tls: [{hosts: [a.example.com], secretName: tls}, {}]
  rules:
    - host: a.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: *backend}
          - path: /x
            pathType: Exact
            backend:
              <<: *backend
    - http: {paths: []}
status: {loadBalancer: {ingress: [{ip: 1.2.3.4, ports: [{port: 80, protocol: TCP, error: null}]}]}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  managedFields: [{manager: kubectl, fieldsType: FieldsV1, fieldsV1: {"f:data": {}}}]
data: {a: "1", b: ""}
binaryData: {bin: AAE=}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints:
  - addresses: [10.0.0.1]
    conditions: {ready: true, serving: null}
    hints: {forZones: [{name: a}]}
ports: [{name: http, port: 8080, protocol: TCP}, {name: null}]
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
spec:
  controller: k8s.io/ingress-nginx
  parameters: {apiGroup: k8s.example.com, kind: P, name: p, scope: Namespace, namespace: ns}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: problems}
spec:
  defaultBackend: {service: {name: web, port: {number: 70000}}}
  rules: [{host: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: bad-port}
spec: {ports: [{port: 80, targetPort: 1.5}]}
---
# Stored directly until its bytes, then converted again writing JSON,
# with a problem after them.
apiVersion: v1
kind: Secret
metadata:
  name: late-bytes
  labels: {a: "1", b: "2"}
stringData: {s: t}
data: {k: dGVzdA==}
type: Opaque
unknown: 1
---
# Stored whole, with a problem at the end: converted again for the
# problem's JSON.
apiVersion: v1
kind: Service
metadata: {name: late-problem, labels: {a: "1"}}
spec:
  ports: [{port: 80, targetPort: 8080}]
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 10}}
  typo: true
`

// TestDirectDecodingMatchesJSON checks that storing values directly gives
// the very objects, warnings and errors that decoding the converter's JSON
// text with encoding/json gives, for the cases above and every manifest
// under testdata in the module.
func TestDirectDecodingMatchesJSON(t *testing.T) {
	inputs := map[string][]byte{"cases.yaml": []byte(directCases)}
	err := filepath.WalkDir("..", func(path string, entry os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := filepath.Ext(path)
		if entry.IsDir() || !strings.Contains(path, "testdata") || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			return nil
		}
		data, err := os.ReadFile(path)
		inputs[path] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) < 200 {
		t.Fatalf("found %d manifests; the test needs the corpora", len(inputs))
	}
	defer jsonOnly.Store(false)
	objects := 0
	for name, data := range inputs {
		jsonOnly.Store(true)
		want, wantErr := DecodeBytes(name, data)
		jsonOnly.Store(false)
		got, gotErr := DecodeBytes(name, data)
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Errorf("%s: errors\n%v\nwant (encoding/json)\n%v", name, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the decoded Set differs from encoding/json's", name)
		}
		objects += got.Len()
	}
	if objects < 500 {
		t.Fatalf("compared %d objects; the corpora should give more", objects)
	}
}
