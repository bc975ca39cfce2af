package ingressmux

import (
	"net/http"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
)

// balancing translates the balancing and affinity annotations, already
// reduced by the ingress package to the one that applies, for the proxy.
func balancing(b ingress.BalancePolicy) proxy.Balancing {
	var out proxy.Balancing
	if b.LoadBalance == "ewma" {
		out.Balance = proxy.EWMA
	}
	out.HashBy = b.HashBy
	if b.HashBySubset {
		out.HashSubsetSize = b.HashBySubsetSize
	}
	if b.Affinity != "cookie" {
		return out
	}
	c := b.Cookie
	a := &proxy.Affinity{
		Name:                    c.Name,
		Path:                    c.Path,
		Domain:                  c.Domain,
		ConditionalSameSiteNone: c.ConditionalSameSiteNone,
		Secure:                  c.Secure,
		MaxAge:                  c.MaxAge,
		Expires:                 c.Expires,
		ChangeOnFailure:         c.ChangeOnFailure,
	}
	if b.AffinityMode == "persistent" {
		a.Mode = proxy.AffinityPersistent
	}
	switch c.SameSite {
	case "None":
		a.SameSite = http.SameSiteNoneMode
	case "Lax":
		a.SameSite = http.SameSiteLaxMode
	case "Strict":
		a.SameSite = http.SameSiteStrictMode
	}
	out.Affinity = a
	return out
}
