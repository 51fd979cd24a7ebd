package platforms_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// bare has only the required methods.
type bare struct{}

func (bare) Name() string { return "bare" }
func (bare) Publish(context.Context, *platforms.Payload, platforms.AttemptKey) (*platforms.Receipt, error) {
	return &platforms.Receipt{Provider: "bare", IDs: []string{"1"}}, nil
}

// full has every optional ability.
type full struct{ bare }

func (full) Prepare(p *platforms.Payload) (*platforms.Payload, error) {
	for i := range p.Parts {
		p.Parts[i].Text = strings.ToUpper(p.Parts[i].Text)
	}
	p.Tags = append(p.Tags[:0], "changed")
	return p, nil
}
func (full) Update(context.Context, *platforms.Receipt, *platforms.Payload) (*platforms.Receipt, error) {
	return nil, nil
}
func (full) Delete(context.Context, *platforms.Receipt) error { return nil }
func (full) Find(context.Context, *platforms.Payload, platforms.Attempt) (*platforms.Receipt, error) {
	return nil, platforms.ErrNotFound
}
func (full) Resume(context.Context, *platforms.Receipt, *platforms.Payload, platforms.AttemptKey) (*platforms.Receipt, error) {
	return nil, nil
}
func (full) Metrics(context.Context, *platforms.Receipt) (*platforms.Metrics, error) {
	return nil, platforms.ErrDeletedRemotely
}

// deleteOnly has one optional ability.
type deleteOnly struct{ bare }

func (deleteOnly) Delete(context.Context, *platforms.Receipt) error { return nil }

type failingPreparer struct{ bare }

func (failingPreparer) Prepare(*platforms.Payload) (*platforms.Payload, error) {
	return nil, errors.New("first_comment needs a link")
}

var (
	_ platforms.Publisher     = full{}
	_ platforms.Preparer      = full{}
	_ platforms.Updater       = full{}
	_ platforms.Deleter       = full{}
	_ platforms.Finder        = full{}
	_ platforms.MetricsReader = full{}
	_ platforms.Resumer       = full{}
)

func TestCapabilities(t *testing.T) {
	tests := []struct {
		name string
		pub  platforms.Publisher
		want platforms.Capability
		str  string
	}{
		{"none", bare{}, 0, "none"},
		{"delete only", deleteOnly{}, platforms.CapDelete, "delete"},
		{"all", full{}, platforms.CapPrepare | platforms.CapUpdate | platforms.CapDelete | platforms.CapFind | platforms.CapMetrics | platforms.CapResume,
			"prepare,update,delete,find,metrics,resume"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := platforms.Capabilities(tt.pub)
			if got != tt.want {
				t.Errorf("Capabilities = %s, want %s", got, tt.want)
			}
			if got.String() != tt.str {
				t.Errorf("String = %q, want %q", got.String(), tt.str)
			}
		})
	}
	if !(platforms.CapDelete | platforms.CapFind).Has(platforms.CapFind) {
		t.Error("Has(CapFind) = false for a set holding it")
	}
	if platforms.CapDelete.Has(platforms.CapDelete | platforms.CapFind) {
		t.Error("Has(delete|find) = true for a set holding only delete")
	}
}

func payload() *platforms.Payload {
	return &platforms.Payload{
		PostID: "launch", Target: "x", Platform: "x",
		Parts: []platforms.Part{
			{Text: "see https://example.com", Facets: []platforms.Facet{{Start: 4, End: 23, Type: platforms.FacetLink, Value: "https://example.com"}}},
			{Text: "second"},
		},
		Tags:    []string{"launch"},
		Options: map[string]any{"first_comment": "hi", "n": 3, "empty": ""},
	}
}

func TestPrepare(t *testing.T) {
	t.Run("without preparer returns the payload itself", func(t *testing.T) {
		p := payload()
		got, err := platforms.Prepare(bare{}, p)
		if err != nil || got != p {
			t.Fatalf("Prepare = %p, %v; want %p, nil", got, err, p)
		}
	})
	t.Run("preparer changes a copy only", func(t *testing.T) {
		p := payload()
		got, err := platforms.Prepare(full{}, p)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(payload(), p); diff != "" {
			t.Errorf("original payload changed (-want +got):\n%s", diff)
		}
		if got.Parts[0].Text != "SEE HTTPS://EXAMPLE.COM" || got.Tags[0] != "changed" {
			t.Errorf("prepared payload = %+v", got)
		}
	})
	t.Run("error names the platform", func(t *testing.T) {
		_, err := platforms.Prepare(failingPreparer{}, payload())
		if err == nil || err.Error() != "prepare bare: first_comment needs a link" {
			t.Errorf("err = %v", err)
		}
	})
}

func TestPayloadHelpers(t *testing.T) {
	p := payload()
	if got, want := p.Text(), "see https://example.com\n\nsecond"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	tests := []struct {
		key  string
		want string
		ok   bool
	}{
		{"first_comment", "hi", true},
		{"n", "", false},
		{"empty", "", false},
		{"absent", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, ok := p.Option(tt.key)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Option(%q) = %q, %v; want %q, %v", tt.key, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// writtenErr stands for internal/httpx's transport error.
type writtenErr struct{ written bool }

func (e writtenErr) Error() string        { return fmt.Sprintf("transport (written %v)", e.written) }
func (e writtenErr) RequestWritten() bool { return e.written }

func TestErrorClassification(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	read := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset")}
	api := func(status int, o platforms.Outcome) error {
		return fmt.Errorf("publish: %w", &platforms.APIError{Platform: "x", Status: status, Outcome: o})
	}
	tests := []struct {
		name      string
		err       error
		retryable bool
		outcome   platforms.Outcome
	}{
		{"nil", nil, false, platforms.Created},
		{"429", api(429, platforms.NotCreated), true, platforms.NotCreated},
		{"500", api(500, platforms.Unknown), true, platforms.Unknown},
		{"503", api(503, platforms.Unknown), true, platforms.Unknown},
		{"408", api(408, platforms.NotCreated), true, platforms.NotCreated},
		{"401", api(401, platforms.NotCreated), false, platforms.NotCreated},
		{"403", api(403, platforms.NotCreated), false, platforms.NotCreated},
		{"422", api(422, platforms.NotCreated), false, platforms.NotCreated},
		{"400", api(400, platforms.NotCreated), false, platforms.NotCreated},
		{"created then failed", api(502, platforms.Created), true, platforms.Created},
		{"needs reconnect", fmt.Errorf("refresh: %w", platforms.ErrNeedsReconnect), false, platforms.NotCreated},
		{"needs reconnect inside APIError", &platforms.APIError{Platform: "x", Outcome: platforms.NotCreated, Err: platforms.ErrNeedsReconnect}, false, platforms.NotCreated},
		{"not written", fmt.Errorf("post: %w", writtenErr{false}), true, platforms.NotCreated},
		{"written", fmt.Errorf("post: %w", writtenErr{true}), true, platforms.Unknown},
		{"dial", dial, true, platforms.NotCreated},
		{"read after write", read, true, platforms.Unknown},
		{"cancelled", context.Canceled, false, platforms.Unknown},
		{"plain", errors.New("boom"), false, platforms.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := platforms.IsRetryable(tt.err); got != tt.retryable {
				t.Errorf("IsRetryable = %v, want %v", got, tt.retryable)
			}
			if got := platforms.OutcomeOf(tt.err); got != tt.outcome {
				t.Errorf("OutcomeOf = %s, want %s", got, tt.outcome)
			}
		})
	}
}

func TestOutcomeForStatus(t *testing.T) {
	for status, want := range map[int]platforms.Outcome{
		200: platforms.Created, 201: platforms.Created, 400: platforms.NotCreated,
		401: platforms.NotCreated, 429: platforms.NotCreated, 500: platforms.Unknown,
		504: platforms.Unknown, 0: platforms.Unknown,
	} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			if got := platforms.OutcomeForStatus(status); got != want {
				t.Errorf("OutcomeForStatus(%d) = %s, want %s", status, got, want)
			}
		})
	}
}

func TestAPIErrorMessage(t *testing.T) {
	cause := errors.New("dial tcp 127.0.0.1:1: connection refused")
	tests := []struct {
		name string
		err  *platforms.APIError
		want string
	}{
		{"full", &platforms.APIError{Platform: "mastodon", Status: 429, Code: "rate_limited", Message: "Too many requests", RetryAfter: 30 * time.Second},
			"mastodon: 429 rate_limited: Too many requests (retry after 30s)"},
		{"status only", &platforms.APIError{Platform: "x", Status: 503}, "x: 503: Service Unavailable"},
		{"transport", &platforms.APIError{Platform: "x", Err: cause}, "x: dial tcp 127.0.0.1:1: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
	if !errors.Is(&platforms.APIError{Err: cause}, cause) {
		t.Error("APIError does not unwrap to its cause")
	}
	if got := platforms.Unknown.String() + platforms.NotCreated.String() + platforms.Created.String(); got != "unknownnot_createdcreated" {
		t.Errorf("outcome names = %q", got)
	}
}

func TestRegistry(t *testing.T) {
	var got platforms.Settings
	reg := platforms.NewRegistry(map[string]platforms.Constructor{
		"bare": func(s platforms.Settings) (platforms.Publisher, error) { got = s; return bare{}, nil },
		"full": func(platforms.Settings) (platforms.Publisher, error) { return full{}, nil },
		"bad": func(platforms.Settings) (platforms.Publisher, error) {
			return nil, errors.New("base_url must be https")
		},
	})
	now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	ok := platforms.Settings{Account: "main", HTTPClient: http.DefaultClient, Getenv: func(string) string { return "" }, Now: now}
	with := func(platform string) platforms.Settings { s := ok; s.Platform = platform; return s }

	if diff := cmp.Diff([]string{"bad", "bare", "full"}, reg.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	if !reg.Has("full") || reg.Has("nope") {
		t.Error("Has is wrong")
	}
	tests := []struct {
		name    string
		s       platforms.Settings
		wantErr string
	}{
		{"known", with("bare"), ""},
		{"unknown", with("myspace"), `account main: unknown platform "myspace" (known: bad, bare, full)`},
		{"constructor fails", with("bad"), "account main: new bad: base_url must be https"},
		{"missing clock and client", platforms.Settings{Account: "main", Platform: "bare"}, "account main: settings lack HTTPClient, Getenv, Now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := reg.New(tt.s)
			if tt.wantErr == "" {
				if err != nil || p == nil {
					t.Fatalf("New = %v, %v", p, err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	_, err := reg.New(with("myspace"))
	if !errors.Is(err, platforms.ErrUnknownPlatform) {
		t.Errorf("unknown platform error %v does not wrap ErrUnknownPlatform", err)
	}
	if got.Logger == nil {
		t.Error("constructor got a nil Logger; want a discarding one")
	}
}

func TestSettingsSecret(t *testing.T) {
	env := map[string]string{"MASTO_TOKEN": "s3cret"}
	s := platforms.Settings{
		Account: "masto",
		Values:  map[string]any{"token_env": "MASTO_TOKEN", "empty_env": "NOPE", "n": 1},
		Getenv:  func(k string) string { return env[k] },
	}
	tests := []struct {
		key, want, wantErr string
	}{
		{"token_env", "s3cret", ""},
		{"empty_env", "", "account masto: environment variable NOPE (setting empty_env) is empty or unset"},
		{"n", "", "account masto: setting n: names no environment variable"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, err := s.Secret(tt.key)
			if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && err.Error() != tt.wantErr) {
				t.Errorf("Secret(%q) = %q, %v; want %q, %q", tt.key, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestFromHTTP(t *testing.T) {
	already := &platforms.APIError{Platform: "x", Status: 403, Outcome: platforms.NotCreated}
	tests := []struct {
		name string
		err  error
		want *platforms.APIError
	}{
		{"429 with retry-after", &httpx.StatusError{Status: 429, Code: "rate", Message: "slow", RetryAfter: 30 * time.Second},
			&platforms.APIError{Platform: "m", Status: 429, Code: "rate", Message: "slow", RetryAfter: 30 * time.Second, Outcome: platforms.NotCreated}},
		{"502", &httpx.StatusError{Status: 502}, &platforms.APIError{Platform: "m", Status: 502, Outcome: platforms.Unknown}},
		{"not written", &httpx.TransportError{Written: false}, &platforms.APIError{Platform: "m", Outcome: platforms.NotCreated}},
		{"written", &httpx.TransportError{Written: true}, &platforms.APIError{Platform: "m", Outcome: platforms.Unknown}},
		{"already an APIError", fmt.Errorf("publish: %w", already), already},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := platforms.FromHTTP("m", tt.err)
			var got *platforms.APIError
			if !errors.As(err, &got) {
				t.Fatalf("FromHTTP = %v, want an *APIError", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(platforms.APIError{}, "Err")); diff != "" {
				t.Errorf("APIError (-want +got):\n%s", diff)
			}
			if !errors.Is(err, tt.err) && got != already {
				t.Errorf("FromHTTP does not wrap its cause")
			}
		})
	}
	if platforms.FromHTTP("m", nil) != nil {
		t.Error("FromHTTP(nil) != nil")
	}
}

// TestRefine: an HTTP answer comes back classified, with the answer, for
// the adapter to reword; an error already worded by a deeper call, and
// nil, come back as they are (with the operation before an error).
func TestRefine(t *testing.T) {
	if ae, se, done := platforms.Refine("m", "post", nil); ae != nil || se != nil || done != nil {
		t.Errorf("nil: %v %v %v", ae, se, done)
	}
	answer := &httpx.StatusError{Status: 403, Message: "no"}
	ae, se, done := platforms.Refine("m", "post", fmt.Errorf("call: %w", answer))
	if done != nil || se != answer || ae == nil || ae.Status != 403 || ae.Outcome != platforms.NotCreated {
		t.Errorf("403: %+v %v %v", ae, se, done)
	}
	worded := &platforms.APIError{Platform: "m", Status: 429, Message: "worded already"}
	ae, se, done = platforms.Refine("m", "post", worded)
	if ae != nil || se != nil || !errors.Is(done, worded) || !strings.HasPrefix(done.Error(), "post: ") {
		t.Errorf("already an APIError: %v %v %v", ae, se, done)
	}
}
