package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/ingressmux/ingressmux/ingress"
	networkingv1 "k8s.io/api/networking/v1"
)

// runCheck loads and validates the manifests, then prints either the loaded
// objects and warnings (exit 0) or every error (exit 1). Warnings are printed
// in both cases: a migrating user needs to see what will not carry over.
func runCheck(files []string, stdout, stderr io.Writer) int {
	set, err := ingress.ReadFiles(files...)
	if err == nil {
		err = set.Validate()
	}
	if err != nil {
		var list ingress.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				fmt.Fprintln(stderr, e)
			}
			fmt.Fprintf(stderr, "%d error(s)\n", len(list))
		} else {
			fmt.Fprintln(stderr, err)
		}
		printWarnings(stderr, set.Warnings)
		return 1
	}
	printSet(stdout, set)
	printWarnings(stdout, set.Warnings)
	return 0
}

func printSet(w io.Writer, set *ingress.Set) {
	fmt.Fprintf(w, "loaded %d Ingress, %d IngressClass, %d Service, %d EndpointSlice, %d Secret, %d ConfigMap\n",
		len(set.Ingresses), len(set.IngressClasses), len(set.Services), len(set.EndpointSlices), len(set.Secrets), len(set.ConfigMaps))
	for _, ing := range set.Ingresses {
		fmt.Fprintf(w, "%s (%s)\n", ing.Ref(), ing.Source)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		if b := ing.Spec.DefaultBackend; b != nil {
			fmt.Fprintf(tw, "  *\t(default)\t\t-> %s\n", backendName(ing.Namespace, b))
		}
		for _, rule := range ing.Spec.Rules {
			host := rule.Host
			if host == "" {
				host = "*"
			}
			if rule.HTTP == nil {
				fmt.Fprintf(tw, "  %s\t(no http paths)\n", host)
				continue
			}
			for _, p := range rule.HTTP.Paths {
				path := p.Path
				if path == "" {
					path = "(empty)"
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t-> %s\n", host, path, *p.PathType, backendName(ing.Namespace, &p.Backend))
			}
		}
		tw.Flush()
	}
	others := func(ref string, src ingress.Source) { fmt.Fprintf(w, "%s (%s)\n", ref, src) }
	for _, o := range set.IngressClasses {
		others(o.Ref(), o.Source)
	}
	for _, o := range set.Services {
		others(o.Ref(), o.Source)
	}
	for _, o := range set.EndpointSlices {
		others(o.Ref(), o.Source)
	}
	for _, o := range set.Secrets {
		others(o.Ref(), o.Source)
	}
	for _, o := range set.ConfigMaps {
		others(o.Ref(), o.Source)
	}
}

// backendName renders a backend as "namespace/service:port", or the kind and
// name of a resource backend.
func backendName(namespace string, b *networkingv1.IngressBackend) string {
	switch {
	case b.Service != nil && b.Service.Port.Name != "":
		return fmt.Sprintf("%s/%s:%s", namespace, b.Service.Name, b.Service.Port.Name)
	case b.Service != nil:
		return fmt.Sprintf("%s/%s:%d", namespace, b.Service.Name, b.Service.Port.Number)
	case b.Resource != nil:
		return fmt.Sprintf("%s/%s (resource)", b.Resource.Kind, b.Resource.Name)
	}
	return "(no backend)"
}

func printWarnings(w io.Writer, warnings []ingress.Warning) {
	if len(warnings) == 0 {
		return
	}
	fmt.Fprintf(w, "%d warning(s):\n", len(warnings))
	for _, warning := range warnings {
		fmt.Fprintln(w, "  "+warning.String())
	}
}
