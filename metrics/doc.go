// Package metrics exports the Prometheus metrics of an ingressmux proxy
// under ingress-nginx's names and label names, so that dashboards and
// alerts built for ingress-nginx keep working, and ingressmux's own
// beside them.
//
// A Collector is a prometheus.Collector: a program registers it in its
// own registry, sets its Observe method as the Observe hook of a
// proxy.Handler (or ingressmux.Hooks), passes on reload outcomes with
// Reloaded, and serves the registry with promhttp.
//
// # Request metrics
//
// These have ingress-nginx's names, types, label names and default
// buckets:
//
//	nginx_ingress_controller_requests                   counter
//	nginx_ingress_controller_request_duration_seconds   histogram, whole request
//	nginx_ingress_controller_response_duration_seconds  histogram, upstream: first attempt to end of body
//	nginx_ingress_controller_connect_duration_seconds   histogram, upstream: new connections (dial and TLS)
//	nginx_ingress_controller_header_duration_seconds    histogram, upstream: last attempt to response headers
//	nginx_ingress_controller_request_size               histogram, request body bytes
//	nginx_ingress_controller_response_size              histogram, response body bytes
//
// Each carries the labels status, method, path, namespace, ingress,
// service, canary and host, and the constant labels controller_namespace,
// controller_class and controller_pod. The upstream histograms are
// recorded only for requests sent to an upstream, as in ingress-nginx.
//
// The label values come from the configuration, never from the request,
// so that the number of series is bounded by the Ingresses, not by the
// traffic: path is the matched Ingress path (such as "/api"), never the
// request URI; host is the rule's host (a wildcard rule gives
// "*.example.com"), empty for rules without one; namespace and ingress
// name the Ingress, service its backend Service; canary is the name of the
// canary upstream that served the request ("default/web-canary:80"),
// empty when none did. The method is one of HTTP's (GET, HEAD, POST, PUT,
// PATCH, DELETE, CONNECT, OPTIONS, TRACE) or "_OTHER"; the status is a
// code from 100 to 599, or "0" when none was sent. A request no rule
// matched has empty path, host, namespace, ingress and service labels.
//
// Differences from ingress-nginx: sizes count body bytes only (nginx adds
// the request line and headers); the canary label names the upstream as
// ingressmux does; the host label is the rule's host rather than the
// request's Host header, which is why no request is dropped for a host
// that is not served.
//
// Options drop the host or path label, report status classes ("2xx"),
// set the bucket boundaries and turn on native histograms. After a reload,
// Retain removes the series of Ingresses no longer served, as
// ingress-nginx does, so that a long-running process exports only what
// its current configuration can produce.
//
// # Controller metrics
//
//	nginx_ingress_controller_config_last_reload_successful             gauge, 1 or 0
//	nginx_ingress_controller_config_last_reload_successful_timestamp_seconds gauge
//	nginx_ingress_controller_success, nginx_ingress_controller_errors  counters of reloads
//	nginx_ingress_controller_ssl_expire_time_seconds{namespace,class,host} gauge, see SetCertificates
//	nginx_ingress_controller_leader_election_status{name}              gauge, see SetLeader
//
// # ingressmux's own
//
//	ingressmux_reload_duration_seconds{op,result}       histogram: load, reload, resolve; success, failure
//	ingressmux_routes                                   gauge: routing rules served
//	ingressmux_upstream_endpoints{upstream,state}       gauge: endpoints up, failing or down (passive health)
//	ingressmux_upstream_retries_total{namespace,ingress,service}        counter
//	ingressmux_rate_limited_requests_total{namespace,ingress,service}   counter
//	ingressmux_denied_requests_total{namespace,ingress,service,reason}  counter: source-range, auth
//
// # Cost
//
// Observe looks up the request's series in a map keyed by its label
// values and updates them: no allocation once a series exists, about
// 1,400 instructions. Counting in a whole proxy process, metrics cost
// about 5 % of its user-space instructions per request, most of it the
// request Info the Handler fills in for Observe.
package metrics
