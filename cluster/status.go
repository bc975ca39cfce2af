package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// writeStatus sets status.loadBalancer.ingress of every Ingress served to
// the published address, where it differs, and writes the status of the
// Gateway API objects. Only the leader writes.
func (s *Source) writeStatus(ctx context.Context) error {
	if !s.leader.Load() || s.cfg.Status == nil {
		return nil
	}
	want, err := s.statusAddresses()
	if err != nil {
		return err
	}
	return errors.Join(s.writeIngressStatus(ctx, want), s.writeGatewayStatus(ctx, want))
}

// writeIngressStatus sets status.loadBalancer.ingress of every Ingress
// served to want, where it differs.
func (s *Source) writeIngressStatus(ctx context.Context, want []networkingv1.IngressLoadBalancerIngress) error {
	if want == nil {
		s.logger.Debug("cluster: no address to publish yet", "service", s.cfg.Status.Service)
		return nil
	}
	s.servedMu.Lock()
	served := s.served
	s.servedMu.Unlock()
	var errs []error
	written := 0
	for _, ing := range served {
		if ctx.Err() != nil || !s.leader.Load() {
			return nil // the next leader writes what is left
		}
		wrote, err := s.writeOne(ctx, ing, want)
		if err != nil {
			errs = append(errs, err)
		}
		if wrote {
			written++
		}
	}
	if written > 0 {
		s.logger.Info("cluster: ingress status written", "ingresses", written, "address", addressLabel(want))
	}
	return errors.Join(errs...)
}

// writeOne updates one Ingress's status if it differs from want, retrying
// on conflict with a fresh copy from the apiserver.
func (s *Source) writeOne(ctx context.Context, ing servedIngress, want []networkingv1.IngressLoadBalancerIngress) (bool, error) {
	var current *networkingv1.Ingress
	for _, sc := range s.informers.scopes {
		if sc.namespace == "" || sc.namespace == ing.namespace {
			if c, err := sc.ingresses.Ingresses(ing.namespace).Get(ing.name); err == nil {
				current = c
			}
		}
	}
	if current == nil || current.UID != ing.uid {
		return false, nil // deleted or re-created meanwhile: the next sync has it
	}
	wrote, err := writeObjectStatus(ctx, current, s.cfg.Client.NetworkingV1().Ingresses(ing.namespace),
		func(have *networkingv1.Ingress) (*networkingv1.Ingress, bool) {
			if equalStatus(have.Status.LoadBalancer.Ingress, want) {
				return nil, false
			}
			update := have.DeepCopy()
			update.Status.LoadBalancer.Ingress = want
			return update, true
		})
	if err != nil {
		return false, fmt.Errorf("ingress: %w", err)
	}
	return wrote, nil
}

// statusAddresses returns the addresses to publish, sorted; nil when the
// published Service has none yet.
func (s *Source) statusAddresses() ([]networkingv1.IngressLoadBalancerIngress, error) {
	st := s.cfg.Status
	var out []networkingv1.IngressLoadBalancerIngress
	if len(st.Addresses) > 0 {
		for _, a := range st.Addresses {
			out = append(out, loadBalancerIngress(a))
		}
		return sortedStatus(out), nil
	}
	ns, name, _ := strings.Cut(st.Service, "/")
	svc, err := s.informers.publish.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return serviceAddresses(svc), nil
}

// serviceAddresses is what ingress-nginx's --publish-service publishes:
// the Service's load-balancer ingress, else its external IPs, else the
// external name of an ExternalName Service.
func serviceAddresses(svc *corev1.Service) []networkingv1.IngressLoadBalancerIngress {
	var out []networkingv1.IngressLoadBalancerIngress
	for _, lb := range svc.Status.LoadBalancer.Ingress {
		switch {
		case lb.IP != "":
			out = append(out, networkingv1.IngressLoadBalancerIngress{IP: lb.IP})
		case lb.Hostname != "":
			out = append(out, networkingv1.IngressLoadBalancerIngress{Hostname: lb.Hostname})
		}
	}
	if len(out) == 0 {
		for _, ip := range svc.Spec.ExternalIPs {
			out = append(out, networkingv1.IngressLoadBalancerIngress{IP: ip})
		}
	}
	if len(out) == 0 && svc.Spec.Type == corev1.ServiceTypeExternalName && svc.Spec.ExternalName != "" {
		out = append(out, networkingv1.IngressLoadBalancerIngress{Hostname: svc.Spec.ExternalName})
	}
	if len(out) == 0 {
		return nil
	}
	return sortedStatus(out)
}

// loadBalancerIngress puts an address in the IP field and a host name in
// the Hostname field.
func loadBalancerIngress(addr string) networkingv1.IngressLoadBalancerIngress {
	if _, err := netip.ParseAddr(addr); err == nil {
		return networkingv1.IngressLoadBalancerIngress{IP: addr}
	}
	return networkingv1.IngressLoadBalancerIngress{Hostname: addr}
}

func sortedStatus(in []networkingv1.IngressLoadBalancerIngress) []networkingv1.IngressLoadBalancerIngress {
	slices.SortFunc(in, func(a, b networkingv1.IngressLoadBalancerIngress) int {
		return strings.Compare(a.IP+"\x00"+a.Hostname, b.IP+"\x00"+b.Hostname)
	})
	return slices.CompactFunc(in, func(a, b networkingv1.IngressLoadBalancerIngress) bool {
		return a.IP == b.IP && a.Hostname == b.Hostname
	})
}

// equalStatus compares the addresses, ignoring order and the ports field,
// which this program never writes.
func equalStatus(have, want []networkingv1.IngressLoadBalancerIngress) bool {
	have = sortedStatus(slices.Clone(have))
	return slices.EqualFunc(have, want, func(a, b networkingv1.IngressLoadBalancerIngress) bool {
		return a.IP == b.IP && a.Hostname == b.Hostname && len(a.Ports) == 0
	})
}

func addressLabel(lbs []networkingv1.IngressLoadBalancerIngress) string {
	var parts []string
	for _, lb := range lbs {
		parts = append(parts, lb.IP+lb.Hostname)
	}
	return strings.Join(parts, ",")
}
