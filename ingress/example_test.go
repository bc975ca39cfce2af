package ingress_test

import (
	"fmt"
	"strings"

	"github.com/ingressmux/ingressmux/ingress"
)

// The two Ingresses of one origin: the frontend on projectdomain.com, and its
// /api served by an external HTTPS backend under the same host.
const story = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: project-frontend
spec:
  ingressClassName: nginx
  tls:
    - hosts: [projectdomain.com]
      secretName: projectdomain-com-tls
  rules:
    - host: projectdomain.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: {name: project-frontend-service, port: {number: 80}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: project-backend-api
  annotations:
    nginx.ingress.kubernetes.io/backend-protocol: "HTTPS"
    nginx.ingress.kubernetes.io/upstream-vhost: "project-domain.com"
    nginx.ingress.kubernetes.io/proxy-body-size: "20m"
spec:
  ingressClassName: nginx
  rules:
    - host: projectdomain.com
      http:
        paths:
          - path: /api
            pathType: Prefix
            backend:
              service: {name: project-backend-external, port: {number: 443}}
`

func Example() {
	set, err := ingress.DecodeBytes("story.yaml", []byte(story))
	if err == nil {
		err = set.Validate()
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ing := range set.Ingresses {
		fmt.Printf("%s (%s)\n", ing.Ref(), ing.Source)
		for _, rule := range ing.Spec.Rules {
			for _, p := range rule.HTTP.Paths {
				svc := p.Backend.Service
				fmt.Printf("  %s%s %s -> %s:%d\n", rule.Host, p.Path, *p.PathType, svc.Name, svc.Port.Number)
			}
		}
		if vhost, ok := ing.Annotations["nginx.ingress.kubernetes.io/upstream-vhost"]; ok {
			fmt.Println("  upstream Host:", vhost)
		}
	}
	// Output:
	// ingress default/project-frontend (story.yaml:2 (document 1))
	//   projectdomain.com/ Prefix -> project-frontend-service:80
	// ingress default/project-backend-api (story.yaml:20 (document 2))
	//   projectdomain.com/api Prefix -> project-backend-external:443
	//   upstream Host: project-domain.com
}

// A misspelt field is an error with its file, line, object and field path,
// and a suggestion.
func ExampleDecodeBytes_strict() {
	_, err := ingress.DecodeBytes("web.yaml", []byte(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - http:
        paths:
          - path: /
            pathtype: Prefix
            backend:
              service: {name: web, port: {number: 80}}
`))
	fmt.Println(err)
	// Output:
	// web.yaml:11 (document 1): ingress default/web: spec.rules[0].http.paths[0].pathtype: unknown field; did you mean "pathType"?
}

// Validation collects every problem at once, in the apiserver's words.
func ExampleSet_Validate() {
	set, _ := ingress.Decode("web.yaml", strings.NewReader(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - host: web.example.com
      http:
        paths:
          - path: /api
            pathType: Regex
            backend:
              service: {name: web, port: {number: 80, name: http}}
`))
	fmt.Println(set.Validate())
	// Output:
	// web.yaml:12 (document 1): ingress default/web: spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"
	// web.yaml:13 (document 1): ingress default/web: spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number
}
