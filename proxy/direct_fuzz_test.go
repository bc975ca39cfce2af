package proxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// FuzzDirectDifferential sends a request through the direct path and
// through http.Transport, the reference, to a backend that answers both
// with the same bytes, and compares what each makes of them: the error,
// status, length, headers, body, body error, trailers and interim
// responses, after the rules the handler applies to either path (a status
// below 100 and an unasked 101 are errors: 502). Then it sends a sentinel
// request through the direct path: whether or not the connection is used
// again, the answer must be the sentinel's own. That is the check a desync
// fails: bytes left over from the fuzzed answer, read as the sentinel's
// response.
//
// The backend either closes the connection after its bytes or keeps it
// open for the next request for fuzzWait, so that left-over bytes can meet
// a reused connection; an answer that is incomplete then ends after
// fuzzWait.
//
// Proof that the oracle catches a desync: with the direct pool's
// left-over-byte checks disabled (directConn.unsolicited returning false,
// release ignoring br.Buffered), `go test -run FuzzDirectDifferential
// ./proxy` fails on four seeds, "leftover-after-body",
// "leftover-past-buffer" (the bytes still in the socket),
// "leftover-after-head" and "length-and-chunked", each with the sentinel
// request answered 200 "EVIL!" (run on the commit that added this
// target). The seed corpus is in testdata/fuzz/FuzzDirectDifferential.
//
// http.Transport is compared on one exchange only, not on reuse: its idle
// reader runs concurrently with the next request, so whether left-over
// bytes are seen before reuse is a matter of timing there.
func FuzzDirectDifferential(f *testing.F) {
	be := newFuzzBackend(f)
	// http.Transport logs unsolicited bytes on idle connections, which
	// the fuzzed answers send on purpose.
	prev := log.Writer()
	log.SetOutput(io.Discard)
	f.Cleanup(func() { log.SetOutput(prev) })

	f.Fuzz(func(t *testing.T, method byte, keepOpen bool, response []byte) {
		id := be.add(fuzzCase{response: response, keepOpen: keepOpen})
		defer be.remove(id)
		m := http.MethodGet
		if method%2 == 1 {
			m = http.MethodHead
		}
		url := fmt.Sprintf("http://%s/case/%d", be.addr, id)

		tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4}
		defer tr.CloseIdleConnections()
		var want outcome
		trace := &httptrace.ClientTrace{Got1xxResponse: want.got1xx}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), m, url, nil)
		res, err := tr.RoundTrip(req)
		if err == nil && (checkStatus(res.StatusCode) != nil || res.StatusCode == http.StatusSwitchingProtocols) {
			res.Body.Close()
			res, err = nil, errBadStatus
		}
		want.read(res, err)

		p := newDirectPool(&net.Dialer{})
		defer p.closeIdle()
		var got outcome
		req, _ = http.NewRequest(m, url, nil)
		res, err = p.roundTrip(req, got.got1xx)
		got.read(res, err)
		assert.Equal(t, want, got, "http.Transport (expected) and the direct path (actual) differ")

		req, _ = http.NewRequest(http.MethodGet, "http://"+be.addr+"/sentinel", nil)
		res, err = p.roundTrip(req, nil)
		if err != nil {
			t.Fatalf("sentinel request: %v", err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK || string(b) != fuzzSentinel {
			t.Fatalf("sentinel request answered %d %q (%v): a desync", res.StatusCode, b, err)
		}
	})
}

// outcome is what a client makes of a backend's answer. Errors are
// compared by presence: the two paths word them differently.
type outcome struct {
	Err           bool
	Status        int
	ContentLength int64
	Header        http.Header
	Body          string
	BodyErr       bool
	Trailer       http.Header
	Interim       []string // status and headers of each interim response
}

func (o *outcome) got1xx(code int, h textproto.MIMEHeader) error {
	o.Interim = append(o.Interim, fmt.Sprint(code, h))
	return nil
}

// read records res, or err, reading and closing res's body.
func (o *outcome) read(res *http.Response, err error) {
	if err != nil {
		o.Err = true
		return
	}
	o.Status, o.ContentLength, o.Header = res.StatusCode, res.ContentLength, res.Header
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	o.Body, o.BodyErr, o.Trailer = string(b), err != nil, res.Trailer
}

const (
	fuzzSentinel = "sentinel"
	// fuzzWait is how long the backend keeps a connection open for the
	// next request after answering with the fuzzed bytes.
	fuzzWait = 10 * time.Millisecond
)

// fuzzCase is one fuzzed answer.
type fuzzCase struct {
	response []byte
	keepOpen bool
}

// fuzzBackend answers GET /case/N with case N's bytes and GET /sentinel
// with the sentinel, on any connection.
type fuzzBackend struct {
	addr  string
	next  atomic.Int64
	mu    sync.Mutex
	cases map[int64]fuzzCase
}

func newFuzzBackend(tb testing.TB) *fuzzBackend {
	be := &fuzzBackend{cases: make(map[int64]fuzzCase)}
	be.addr = rawBackend(tb, be.serve)
	return be
}

func (be *fuzzBackend) add(c fuzzCase) int64 {
	id := be.next.Add(1)
	be.mu.Lock()
	be.cases[id] = c
	be.mu.Unlock()
	return id
}

func (be *fuzzBackend) remove(id int64) {
	be.mu.Lock()
	delete(be.cases, id)
	be.mu.Unlock()
}

func (be *fuzzBackend) serve(c net.Conn) {
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		req, err := readRequest(br)
		if err != nil {
			return
		}
		if req.URL.Path == "/sentinel" {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n"+fuzzSentinel)
			c.SetReadDeadline(time.Now().Add(fuzzWait))
			continue
		}
		id, _ := strconv.ParseInt(strings.TrimPrefix(req.URL.Path, "/case/"), 10, 64)
		be.mu.Lock()
		fc, ok := be.cases[id]
		be.mu.Unlock()
		if !ok {
			return
		}
		c.Write(fc.response)
		if !fc.keepOpen {
			return
		}
		c.SetReadDeadline(time.Now().Add(fuzzWait))
	}
}
