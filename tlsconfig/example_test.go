package tlsconfig_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/ingressmux/ingressmux/tlsconfig"
)

// selfSigned returns a self-signed certificate with common name cn.
func selfSigned(cn string) *tls.Certificate {
	c, err := tlsconfig.SelfSignedOptions{CommonName: cn}.Generate()
	if err != nil {
		log.Fatal(err)
	}
	return c
}

func ExampleStore() {
	var store tlsconfig.Store // the zero value is ready to use
	err := store.Replace(map[string]*tls.Certificate{
		"shop.example.com": selfSigned("shop"),
		"*.example.com":    selfSigned("wildcard"),
	}, selfSigned("default"))
	if err != nil {
		log.Fatal(err)
	}
	for _, sni := range []string{
		"shop.example.com",  // exact
		"SHOP.example.com.", // case and trailing dot do not matter
		"blog.example.com",  // one label under *.example.com
		"a.b.example.com",   // two labels: not covered by the wildcard
		"example.com",       // the wildcard does not cover its apex
		"",                  // no SNI: a client that dialed an IP address
	} {
		cert, err := store.GetCertificate(&tls.ClientHelloInfo{ServerName: sni})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-19q %-9s redirect to HTTPS: %v\n", sni, cert.Leaf.Subject.CommonName, store.Has(sni))
	}
	// Output:
	// "shop.example.com"  shop      redirect to HTTPS: true
	// "SHOP.example.com." shop      redirect to HTTPS: true
	// "blog.example.com"  wildcard  redirect to HTTPS: true
	// "a.b.example.com"   default   redirect to HTTPS: false
	// "example.com"       default   redirect to HTTPS: false
	// ""                  default   redirect to HTTPS: false
}

func ExampleStore_GetCertificate_noDefault() {
	var store tlsconfig.Store
	if err := store.Set("*.example.com", selfSigned("wildcard")); err != nil {
		log.Fatal(err)
	}
	_, err := store.GetCertificate(&tls.ClientHelloInfo{ServerName: "example.com"})
	fmt.Println(err)
	// Output:
	// tlsconfig: no certificate for server name "example.com": bind one to the host (list it in an Ingress's spec.tls[].hosts with a secretName) or set a default certificate
}

func ExampleStore_ServerConfig() {
	var store tlsconfig.Store
	store.SetDefault(selfSigned("default"))
	srv := &http.Server{Addr: ":8443", TLSConfig: store.ServerConfig()}
	// Serve with srv.ListenAndServeTLS("", ""): no certificate files, the
	// certificates come from the store, which can change while serving.
	fmt.Println(tls.VersionName(srv.TLSConfig.MinVersion), srv.TLSConfig.NextProtos)
	// Output:
	// TLS 1.2 [h2 http/1.1]
}

func ExampleClient() {
	backend := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello from the backend")
	}))
	defer backend.Close()
	backend.Config.ErrorLog = log.New(io.Discard, "", 0)
	roots := x509.NewCertPool()
	roots.AddCert(backend.Certificate()) // valid for example.com and 127.0.0.1

	for _, name := range []string{"example.com", "wrong.example.org"} {
		cfg, err := tlsconfig.Client{ServerName: name, RootCAs: roots}.Config()
		if err != nil {
			log.Fatal(err)
		}
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
		resp, err := client.Get(backend.URL)
		if tlsconfig.IsVerificationError(err) {
			fmt.Printf("%s: verification failed: set proxy-ssl-name, proxy-ssl-secret or proxy-ssl-verify\n", name)
			continue
		}
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%s: %s\n", name, body)
	}
	// Output:
	// example.com: hello from the backend
	// wrong.example.org: verification failed: set proxy-ssl-name, proxy-ssl-secret or proxy-ssl-verify
}

func ExampleClient_DialTLSContext() {
	backend := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "SNI %q", r.TLS.ServerName)
	}))
	backend.StartTLS()
	defer backend.Close()
	roots := x509.NewCertPool()
	roots.AddCert(backend.Certificate())

	// proxy-ssl-server-name: "off", proxy-ssl-name: example.com
	c := tlsconfig.Client{ServerName: "example.com", DisableSNI: true, RootCAs: roots}
	dial, err := c.DialTLSContext(nil)
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DialTLSContext: dial}}
	resp, err := client.Get(backend.URL)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("%s, certificate verified for %s\n", body, c.ServerName)
	// Output:
	// SNI "", certificate verified for example.com
}

func ExampleKeyPair() {
	cert := selfSigned("demo")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	der, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		log.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})

	_, err = tlsconfig.KeyPair(keyPEM, certPEM) // tls.crt and tls.key switched
	fmt.Println(err)
	parsed, err := tlsconfig.KeyPair(certPEM, keyPEM)
	fmt.Println(parsed.Leaf.Subject.CommonName, err)
	// Output:
	// tlsconfig: certificate PEM holds no "CERTIFICATE" block, only "PRIVATE KEY": the certificate and key inputs may have been switched
	// demo <nil>
}

func ExampleParseProtocols() {
	for _, s := range []string{"TLSv1.2 TLSv1.3", "TLSv1.3", "", "SSLv3 TLSv1.2"} {
		lo, hi, err := tlsconfig.ParseProtocols(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%q: %#04x to %#04x\n", s, lo, hi)
	}
	// Output:
	// "TLSv1.2 TLSv1.3": 0x0303 to 0x0304
	// "TLSv1.3": 0x0304 to 0x0304
	// "": 0x0000 to 0x0000
	// tlsconfig: protocols "SSLv3 TLSv1.2": "SSLv3" is not supported by Go's crypto/tls (nor safe): use TLSv1.2 or later
}
