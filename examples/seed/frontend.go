package main

import (
	"net"
	"net/http"
	"time"
)

// page is the frontend: it logs in through /api/login, then asks /api/me
// who is logged in, and shows the answer. Both calls are same-origin, so
// the session cookie is first-party and no CORS request is ever made.
const page = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>projectdomain.com</title></head>
<body>
<h1>projectdomain.com</h1>
<p>Status: <span id="status">loading</span></p>
<p>User: <span id="user">nobody</span></p>
<script>
(async () => {
  const status = document.getElementById("status");
  try {
    const login = await fetch("/api/login", {method: "POST", credentials: "same-origin"});
    if (!login.ok) throw new Error("login: " + login.status);
    const me = await fetch("/api/me", {credentials: "same-origin"});
    if (!me.ok) throw new Error("me: " + me.status);
    const who = await me.json();
    document.getElementById("user").textContent = who.user + " <" + who.email + ">";
    status.textContent = "logged in";
  } catch (e) {
    status.textContent = "error: " + e.message;
  }
})();
</script>
</body>
</html>
`

// frontend serves the page on a loopback port, as the frontend Service.
func frontend() (*http.Server, net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(page))
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	return srv, ln, nil
}
