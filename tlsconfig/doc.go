// Package tlsconfig holds the TLS configuration of both sides of the proxy:
// a server certificate [Store] that picks a certificate per handshake by
// SNI and can be updated while serving, and per-backend [Client] settings
// for the proxy's connections to HTTPS backends.
//
// It depends on the standard library only; package ingress turns
// Kubernetes objects into the inputs used here.
//
// # Server certificates
//
// A certificate usually comes from a kubernetes.io/tls Secret named by an
// Ingress's spec.tls[].secretName: [KeyPair] parses its tls.crt (the leaf
// first, then intermediates) and tls.key, and [LoadKeyPairFiles] does the
// same for PEM files. Their errors say what to fix: inputs that look
// switched, a missing CERTIFICATE block, a key that does not match, or a
// chain whose leaf is not first. An expired certificate is accepted, since
// refusing it would turn a browser warning into an outage; [CheckValidity]
// returns a warning to log and [Expiry] the expiry time to report.
//
// Certificates are bound to host names by configuration (the Ingress's
// spec.tls[].hosts), not by the names they contain: a certificate that
// does not cover its host is served anyway, and clients will reject it.
// When no Secret is configured, [SelfSigned] makes a default certificate,
// the equivalent of ingress-nginx's "fake certificate".
//
// [Store.ServerConfig] returns a tls.Config for an http.Server: TLS 1.2 at
// least, ALPN "h2" then "http/1.1", and certificates from the store. Serve
// it with srv.ServeTLS(ln, "", "") or srv.ListenAndServeTLS("", "").
//
// # Selection order
//
// For each handshake, [Store.GetCertificate] takes the client's server
// name (SNI), lower-cases it, strips one trailing dot, and returns the
// first of:
//
//  1. the certificate bound to that exact name;
//  2. the certificate bound to the wildcard of its parent domain, which
//     covers exactly one more label;
//  3. the default certificate;
//
// and otherwise fails the handshake with an error naming the host. A
// client that sends no server name, typically because it connected to an
// IP address, gets the default certificate. With certificates for
// "shop.example.com" and "*.example.com" and a default:
//
//	shop.example.com   → shop.example.com (exact beats wildcard)
//	SHOP.Example.com.  → shop.example.com (case and trailing dot ignored)
//	blog.example.com   → *.example.com
//	a.b.example.com    → default (two labels below example.com)
//	example.com        → default (a wildcard never covers its apex)
//	no SNI             → default
//
// [Store.Has] applies steps 1 and 2 only: the proxy redirects HTTP to
// HTTPS for hosts that have a certificate of their own.
//
// # Reloading
//
// A Store is updated while serving: [Store.Replace] swaps the whole set
// (what a reload of all Ingresses does), [Store.Set], [Store.Delete] and
// [Store.SetDefault] change one entry. Each update publishes a new
// immutable snapshot through an atomic pointer, so a handshake sees the
// old set or the new one, never a mix; handshakes in flight finish with
// what they picked, and established connections keep their certificate.
// Replace and Set reject invalid host keys (an empty key, which is what
// the default certificate is for, or a misplaced "*") and leave the store
// unchanged.
//
// # Backend TLS
//
// A [Client] describes how the proxy connects to one HTTPS backend, in the
// terms of ingress-nginx's proxy-ssl-* annotations: ServerName
// (proxy-ssl-name, else upstream-vhost, else the backend's DNS name),
// RootCAs and Certificates (proxy-ssl-secret), InsecureSkipVerify
// (proxy-ssl-verify), VerifyDepth (proxy-ssl-verify-depth), DisableSNI
// (proxy-ssl-server-name "off"), the TLS versions (proxy-ssl-protocols) and
// the ALPN protocols. [Client.Config] validates it once and returns a
// tls.Config for an http.Transport; [Client.Equal] tells whether a
// reload changed it, so that a backend's transport and connection pool are
// kept when it did not.
//
// crypto/tls sends as SNI the name it verifies against, and http.Transport
// fills an empty server name from the host it dials. To send no SNI yet
// verify a name, Config clears ServerName and verifies in
// VerifyConnection instead, with the intermediates the backend sent; the
// transport must then dial with [Client.DialTLSContext], which does not
// fill the name in.
//
// # Verification
//
// Backend certificates are verified unless InsecureSkipVerify is set:
// against RootCAs (the system roots when nil) and ServerName (the dialed
// host when empty). VerifyDepth, when positive, also limits the number of
// certificates above the leaf in the shortest verified chain, as nginx
// counts it: 1 allows a leaf signed by a trusted root, 2 one intermediate.
// Unlike nginx, whose default is 1, zero means no limit.
//
// To turn verification off for a backend, set the annotation
// nginx.ingress.kubernetes.io/proxy-ssl-verify: "off"; to trust a private
// CA instead, put it in the ca.crt of the Secret named by proxy-ssl-secret.
// [IsVerificationError] recognises verification failures (unknown
// authority, wrong name, expired, too deep) so that the proxy's 502 log
// line can say so.
//
// # Protocols
//
// The server side accepts TLS 1.2 and 1.3. On the backend side crypto/tls
// offers TLS 1.2 and 1.3 unless MinVersion and MaxVersion say otherwise;
// [ParseProtocols] reads them from nginx syntax ("TLSv1.2 TLSv1.3").
// SSLv2 and SSLv3 are rejected; TLSv1 and TLSv1.1 are insecure and used
// only when listed. crypto/tls enables a range of versions, so a list with
// a gap is an error.
package tlsconfig
