package platformtest

import (
	"net/http"
	"testing"
)

// TestLogReporterRunsFakesOutsideTests: a fake reporting to a LogReporter
// serves, records a violation instead of failing, and stops at Close.
func TestLogReporterRunsFakesOutsideTests(t *testing.T) {
	r := &LogReporter{}
	f := New(r, Config{Platform: "demo"})
	resp, err := http.Get(f.URL() + "/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || len(r.Errors()) != 1 {
		t.Fatalf("status %d, violations %q; want 404 and one", resp.StatusCode, r.Errors())
	}
	r.Close()
	if _, err := http.Get(f.URL() + "/nowhere"); err == nil {
		t.Error("the fake still serves after Close")
	}
}
