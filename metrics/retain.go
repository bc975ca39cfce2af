package metrics

// Retain removes the request series of Ingresses that keep does not
// report as still served, as ingress-nginx does when an Ingress is
// deleted, so that a long-running process exports only what its current
// configuration can produce. A program calls it after each successful
// reload with the Ingresses of the new routing table. The series of
// requests no rule matched are always kept.
func (c *Collector) Retain(keep func(namespace, ingress string) bool) {
	m := c.requests
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, s := range m.series {
		if (k.namespace == "" && k.ingress == "") || keep(k.namespace, k.ingress) {
			continue
		}
		delete(m.series, k)
		m.requests.DeleteLabelValues(s.lv...)
		m.requestTime.DeleteLabelValues(s.lv...)
		m.requestSize.DeleteLabelValues(s.lv...)
		m.responseSize.DeleteLabelValues(s.lv...)
		if s.upstream.Load() != nil {
			m.responseTime.DeleteLabelValues(s.lv...)
			m.connectTime.DeleteLabelValues(s.lv...)
			m.headerTime.DeleteLabelValues(s.lv...)
		}
		m.retries.DeleteLabelValues(s.ing...)
		m.rateLimited.DeleteLabelValues(s.ing...)
		m.denied.DeletePartialMatch(map[string]string{"namespace": k.namespace, "ingress": k.ingress, "service": k.service})
	}
}
