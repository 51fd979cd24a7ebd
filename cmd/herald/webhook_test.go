package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/heraldhq/herald/internal/corpus"
)

func TestEventScanner(t *testing.T) {
	tests := []struct {
		name string
		body string
		want map[string]string
		err  bool
	}{
		{name: "push", body: `{"ref":"refs/heads/main","after":"abc","commits":[{"ref":"no"}],"x":{"after":"no"}}`,
			want: map[string]string{"ref": "refs/heads/main", "after": "abc"}},
		{name: "escapes and spaces", body: " {\n \"ref\" : \"refs\\/heads\\/caf\\u00e9\\\"\" , \"a\\\"b\": \"}\" }\n",
			want: map[string]string{"ref": `refs/heads/café"`}},
		{name: "a value too long is not kept", body: `{"ref":"` + strings.Repeat("a", maxScannedValue+1) + `","after":"b"}`,
			want: map[string]string{"after": "b"}},
		{name: "not a ref when not a string", body: `{"ref":{"after":"x"},"after":1}`},
		{name: "empty object", body: `{}`},
		{name: "not json", body: "not json", err: true},
		{name: "a list", body: `[{"ref":"x"}]`, err: true},
		{name: "trailing text", body: `{"ref":"x"} x`, err: true},
		{name: "two objects", body: `{}{}`, err: true},
		{name: "unclosed", body: `{"ref":"x"`, err: true},
		{name: "unclosed string", body: `{"ref":"x}`, err: true},
		{name: "too many closers", body: `{}}`, err: true},
		{name: "empty", body: ``, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Whole, and a byte at a time: the result is the same.
			for _, chunk := range []int{len(tt.body) + 1, 1} {
				s := &eventScanner{}
				for b := []byte(tt.body); len(b) > 0; {
					n := min(chunk, len(b))
					s.Write(b[:n])
					b = b[n:]
				}
				err := s.finish()
				if (err != nil) != tt.err {
					t.Fatalf("chunk %d: err = %v, want error %v", chunk, err, tt.err)
				}
				if err == nil {
					if diff := cmp.Diff(tt.want, s.fields); diff != "" {
						t.Errorf("chunk %d: fields (-want +got):\n%s", chunk, diff)
					}
				}
			}
		})
	}
}

func TestFormPayload(t *testing.T) {
	event := `{"ref":"refs/heads/ma in","after":"a&b"}`
	body := "x=1&payload=" + url.QueryEscape(event) + "&y=%7B"
	for _, chunk := range []int{len(body), 1, 2, 3} {
		s := &eventScanner{}
		f := &formPayload{next: s}
		for b := []byte(body); len(b) > 0; {
			n := min(chunk, len(b))
			f.Write(b[:n])
			b = b[n:]
		}
		if !f.found || s.finish() != nil {
			t.Fatalf("chunk %d: found %v, %v", chunk, f.found, s.finish())
		}
		if diff := cmp.Diff(map[string]string{"ref": "refs/heads/ma in", "after": "a&b"}, s.fields); diff != "" {
			t.Errorf("chunk %d (-want +got):\n%s", chunk, diff)
		}
	}
}

// startController runs a controller's server on 127.0.0.1 with limits,
// and returns its address and a function that stops it and returns how
// long stopping took and run's error.
func startController(t *testing.T, limits httpLimits) (string, func() (time.Duration, error)) {
	t.Helper()
	c := newController(slog.New(slog.DiscardHandler), prometheus.NewRegistry(), []byte(testSecret), time.Hour,
		func(context.Context) error { return nil })
	c.limits = limits
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var runErr error
	go func() {
		runErr = c.run(ctx, ln)
		close(done)
	}()
	stop := func() (time.Duration, error) {
		start := time.Now()
		cancel()
		select {
		case <-done:
			return time.Since(start), runErr
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop in 30 s")
			return 0, nil
		}
	}
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return ln.Addr().String(), stop
}

// zeros is an endless body that costs no memory.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), z.n))
	clear(p[:n])
	z.n -= int64(n)
	return n, nil
}

// TestWebhookFlood sends 100 bodies of 26 MB at once, unsigned, with a
// forged signature and a length, and with a forged signature streamed
// without one: the server holds none of them (its peak RSS stays far
// under 300 MB), refuses each, and /healthz answers within a second all
// along.
func TestWebhookFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 2.6 GB to a local server")
	}
	addr, stop := startController(t, defaultHTTPLimits)
	base := "http://" + addr
	debug.FreeOSMemory()
	if err := corpus.ResetPeakRSS(); err != nil {
		t.Skip(err)
	}
	before, err := corpus.PeakRSS()
	if err != nil {
		t.Skip(err)
	}

	// /healthz, polled all along.
	healthDone := make(chan struct{})
	var worst time.Duration
	var healthErr error
	var hwg sync.WaitGroup
	hwg.Add(1)
	go func() {
		defer hwg.Done()
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		for {
			select {
			case <-healthDone:
				return
			case <-time.After(50 * time.Millisecond):
			}
			start := time.Now()
			resp, err := client.Get(base + "/healthz")
			if err != nil {
				healthErr = err
				return
			}
			resp.Body.Close()
			worst = max(worst, time.Since(start))
		}
	}()

	const n, size = 100, 26 << 20
	statuses := make([]string, n)
	var wg sync.WaitGroup
	transport := &http.Transport{MaxConnsPerHost: 0, DisableKeepAlives: true}
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body io.Reader = &zeros{n: size}
			req, _ := http.NewRequest("POST", base+"/webhook", body)
			switch i % 3 {
			case 0: // unsigned
				req.ContentLength = size
			case 1: // forged, with a length
				req.ContentLength = size
				req.Header.Set("X-Hub-Signature-256", sign("guess", nil))
			case 2: // forged, streamed
				req.ContentLength = -1
				req.Header.Set("X-Hub-Signature-256", sign("guess", nil))
			}
			req.Header.Set("X-GitHub-Event", "push")
			resp, err := transport.RoundTrip(req)
			if err != nil {
				statuses[i] = fmt.Sprintf("%d: connection closed", i%3)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = fmt.Sprintf("%d: %d", i%3, resp.StatusCode)
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(healthDone)
	hwg.Wait()
	peak, err := corpus.PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, s := range statuses {
		counts[s]++
	}
	t.Logf("%d bodies of 26 MB in %v: %v; peak RSS %d MB (from %d MB); slowest /healthz %v",
		n, took.Round(time.Millisecond), counts, peak>>20, before>>20, worst.Round(time.Millisecond))
	if healthErr != nil {
		t.Errorf("/healthz: %v", healthErr)
	}
	if worst > time.Second {
		t.Errorf("/healthz took %v, want under 1 s", worst)
	}
	if peak > 300<<20 {
		t.Errorf("peak RSS %d MB, want under 300 MB", peak>>20)
	}
	for s := range counts {
		if !strings.HasSuffix(s, ": 401") && !strings.HasSuffix(s, ": 413") && !strings.HasSuffix(s, ": 503") &&
			!strings.HasSuffix(s, "connection closed") {
			t.Errorf("unexpected outcome %q", s)
		}
	}
	// Bodies refused before they are read see their connection closed as
	// often as their answer; the streamed ones are read to the limit
	// (413), 8 at a time, the others turned away (503).
	if counts["2: 413"] == 0 || counts["2: 503"] == 0 {
		t.Errorf("outcomes %v: want streams read to the limit (413) and streams turned away (503)", counts)
	}
	if _, err := stop(); err != nil {
		t.Errorf("serve: %v", err)
	}
}

// slowClient opens a connection and sends a webhook's headers and the
// first bytes of a body it never finishes.
func slowClient(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /webhook HTTP/1.1\r\nHost: %s\r\nX-Hub-Signature-256: %s\r\nContent-Length: 1000\r\n\r\n{", addr, sign("guess", nil))
	return conn
}

// TestWebhookSlowBody checks that a body sent a byte at a time is cut off
// at the read timeout, its connection closed.
func TestWebhookSlowBody(t *testing.T) {
	limits := defaultHTTPLimits
	limits.read = 500 * time.Millisecond
	addr, _ := startController(t, limits)
	conn := slowClient(t, addr)
	start := time.Now()
	closed := make(chan error, 1)
	go func() {
		// A byte every 100 ms, until the server hangs up.
		for range 100 {
			time.Sleep(100 * time.Millisecond)
			if _, err := conn.Write([]byte(" ")); err != nil {
				closed <- err
				return
			}
		}
		closed <- nil
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		t.Logf("answered %d", resp.StatusCode)
		resp.Body.Close()
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the slow body held its connection for %v, want about the read timeout (500 ms)", took)
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Error("the server kept reading the slow body")
	}
}

// TestServeShutdownWithSlowClient checks that a shutdown does not wait
// for a slow client: it closes the connection after the grace and serve
// returns nil.
func TestServeShutdownWithSlowClient(t *testing.T) {
	limits := defaultHTTPLimits
	limits.shutdownGrace = 200 * time.Millisecond
	addr, stop := startController(t, limits)
	conn := slowClient(t, addr)
	idle, err := net.Dial("tcp", addr) // a connection that sent nothing
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	time.Sleep(100 * time.Millisecond) // the server is reading the body
	took, err := stop()
	if err != nil {
		t.Errorf("serve: %v, want nil", err)
	}
	if took > 2*time.Second {
		t.Errorf("shutdown took %v with a slow client, want about the grace (200 ms)", took)
	}
	conn.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the slow client's connection is still open: %v", err)
	}
}
