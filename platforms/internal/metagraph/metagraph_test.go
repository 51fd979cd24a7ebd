package metagraph

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

func TestErrorMessage(t *testing.T) {
	for _, c := range []struct {
		body, code, msg string
	}{
		{`{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"x"}}`, "190/463", "Error validating access token"},
		{`{"error":{"message":"Duplicate status message","type":"OAuthException","code":506}}`, "506", "Duplicate status message"},
		{`{"error":{"message":"Invalid parameter","code":100,"error_user_msg":"The caption is too long."}}`, "100", "Invalid parameter (The caption is too long.)"},
		{"<html>Bad gateway</html>\nmore", "", "<html>Bad gateway</html>"},
	} {
		code, msg := ErrorMessage(400, []byte(c.body))
		if code != c.code || msg != c.msg {
			t.Errorf("ErrorMessage(%s) = %q, %q; want %q, %q", c.body, code, msg, c.code, c.msg)
		}
	}
}

func TestParseUsage(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set(HeaderAppUsage, `{"call_count":28,"total_cputime":25,"total_time":25}`)
	h.Set(HeaderBUCUsage, `{"104":[{"type":"pages","call_count":40.5,"total_cputime":2,"total_time":3,"estimated_time_to_regain_access":0}]}`)
	if rem, reset, ok := ParseUsage(h, now); !ok || rem != 59 || !reset.IsZero() {
		t.Errorf("usage under the limit = %d, %v, %v; want 59 points left, no reset", rem, reset, ok)
	}
	h.Set(HeaderBUCUsage, `{"104":[{"type":"pages","call_count":100,"total_cputime":2,"total_time":3,"estimated_time_to_regain_access":7}]}`)
	if rem, reset, ok := ParseUsage(h, now); !ok || rem != 0 || !reset.Equal(now.Add(7*time.Minute)) {
		t.Errorf("throttled = %d, %v, %v; want 0 until the estimate", rem, reset, ok)
	}
	h.Del(HeaderBUCUsage)
	h.Set(HeaderAppUsage, `{"call_count":100}`)
	if rem, reset, ok := ParseUsage(h, now); !ok || rem != 0 || !reset.Equal(now.Add(RetryWindow)) {
		t.Errorf("throttled without an estimate = %d, %v, %v; want 0 for the rolling hour", rem, reset, ok)
	}
	if _, _, ok := ParseUsage(http.Header{HeaderAppUsage: {"not json"}}, now); ok {
		t.Error("a malformed header was read")
	}
}

func TestWrap(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	u := &Usage{Now: func() time.Time { return now }}
	h := http.Header{}
	h.Set(HeaderAppUsage, `{"call_count":100}`)
	u.Note(h)
	e := Errors{Platform: "facebook", Reconnect: "run herald auth page", Usage: u}

	limited := e.Wrap("publish", &httpx.StatusError{Status: 400, Code: "4", Message: "Application request limit reached"}, false)
	var ae *platforms.APIError
	if !errors.As(limited, &ae) || ae.Status != 429 || ae.RetryAfter != RetryWindow || !platforms.IsRetryable(limited) || ae.Outcome != platforms.NotCreated {
		t.Errorf("code 4 = %+v; want a retryable 429 held for the usage window", ae)
	}
	expired := e.Wrap("publish", &httpx.StatusError{Status: 400, Code: "190/463", Message: "Session has expired"}, false)
	if !errors.Is(expired, platforms.ErrNeedsReconnect) || platforms.IsRetryable(expired) || platforms.OutcomeOf(expired) != platforms.NotCreated {
		t.Errorf("code 190 = %v; want ErrNeedsReconnect, not retried", expired)
	}
	server := e.Wrap("publish", &httpx.StatusError{Status: 500, Code: "2", Message: "unexpected"}, false)
	if platforms.OutcomeOf(server) != platforms.Unknown {
		t.Errorf("a 5xx at the create = %v; want Unknown", server)
	}
	if c := e.Wrap("container", &httpx.StatusError{Status: 500}, true); platforms.OutcomeOf(c) != platforms.NotCreated {
		t.Errorf("a 5xx before anything is visible = %v; want NotCreated", c)
	}
	if !IsGone(&httpx.StatusError{Status: 400, Code: "100/33"}) || IsGone(&httpx.StatusError{Status: 400, Code: "100"}) {
		t.Error("IsGone does not tell code 100/33 from 100")
	}
}

func TestIDSetting(t *testing.T) {
	for v, want := range map[any]string{"104": "104", 104: "104", int64(17841400000000002): "17841400000000002", uint64(7): "7", nil: ""} {
		got, err := IDSetting(platforms.Settings{Values: map[string]any{"page_id": v}}, "page_id")
		if err != nil || got != want {
			t.Errorf("IDSetting(%v) = %q, %v; want %q", v, got, err, want)
		}
	}
	if _, err := IDSetting(platforms.Settings{Values: map[string]any{"page_id": 1.7841400000000002e16}}, "page_id"); err == nil {
		t.Error("a float ID was accepted")
	}
}

func TestCursor(t *testing.T) {
	for _, n := range []int{0, 1, 250} {
		if got, ok := DecodeCursor(EncodeCursor(n)); !ok || got != n {
			t.Errorf("cursor %d came back %d, %v", n, got, ok)
		}
	}
	if _, ok := DecodeCursor("QVFI"); ok {
		t.Error("a foreign cursor was read")
	}
}
