package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// backendHost is the external VPS's own name: it answers only for it.
const backendHost = "project-domain.com"

// sessionCookie is the cookie the stand-in sets at login.
const sessionCookie = "session"

// standIn is the external HTTPS backend of the story. Like a real VPS
// behind name-based virtual hosting, it answers only requests addressed to
// project-domain.com, by TLS server name and by Host header, with 421
// Misdirected Request otherwise. It sets a session cookie at /api/login and
// returns the user at /api/me when the cookie comes back.
func standIn(cert *tls.Certificate) (*http.Server, net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "ada", Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
		writeJSON(w, map[string]string{"status": "logged in"})
	})
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value != "ada" {
			w.WriteHeader(http.StatusUnauthorized)
			writeJSON(w, map[string]string{"error": "not logged in"})
			return
		}
		writeJSON(w, map[string]string{"user": "Ada Lovelace", "email": "ada@projectdomain.com"})
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]string{"path": r.URL.Path, "host": r.Host})
	})
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host := r.Host
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			if r.TLS == nil || r.TLS.ServerName != backendHost || !strings.EqualFold(host, backendHost) {
				http.Error(w, fmt.Sprintf("421 misdirected: this server is %s (got Host %q, TLS server name %q)", backendHost, r.Host, serverName(r)), http.StatusMisdirectedRequest)
				return
			}
			mux.ServeHTTP(w, r)
		}),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
	}
	return srv, ln, nil
}

func serverName(r *http.Request) string {
	if r.TLS == nil {
		return ""
	}
	return r.TLS.ServerName
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
