package httpx

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

// TestScrubForms checks that a secret is removed in every form a server
// may echo it, and that ordinary text is left alone.
func TestScrubForms(t *testing.T) {
	const secret = "ghp_S3cr3tT0kenValue/with+chars=="
	b64 := base64.StdEncoding.EncodeToString
	b64url := base64.URLEncoding.EncodeToString
	raw := base64.RawURLEncoding.EncodeToString
	forms := map[string]string{
		"as it is":            "token " + secret + " refused",
		"upper case":          "TOKEN " + strings.ToUpper(secret) + " REFUSED",
		"lower case":          strings.ToLower(secret),
		"a prefix":            "token " + secret[:14] + "... refused",
		"url-escaped":         "?access_token=" + url.QueryEscape(secret),
		"base64":              "echo " + b64([]byte(secret)),
		"base64url":           "echo " + b64url([]byte(secret)),
		"raw base64url":       "echo " + raw([]byte(secret)),
		"basic auth":          "Authorization: Basic " + b64([]byte("x-access-token:"+secret)),
		"basic auth, 2 bytes": "Basic " + b64([]byte("ab:"+secret)) + ".",
		"basic auth, 1 byte":  "Basic " + b64([]byte("a:"+secret)),
		"in json":             `{"error":"bad token ` + secret + `"}`,
	}
	for name, text := range forms {
		t.Run(name, func(t *testing.T) {
			got := Scrub(text, secret, Redacted)
			if !strings.Contains(got, Redacted) {
				t.Fatalf("nothing redacted in %q", got)
			}
			for _, leak := range []string{secret[:12], strings.ToUpper(secret[:12]), b64([]byte(secret))[:12], b64url([]byte(secret))[4:16]} {
				if strings.Contains(strings.ToUpper(got), strings.ToUpper(leak)) {
					t.Errorf("%q still holds %q", got, leak)
				}
			}
		})
	}
	for _, text := range []string{
		"token refused: see https://docs.example/errors#401",
		"ghp_ is the prefix of GitHub tokens",
		"Basic " + b64([]byte("x-access-token:another-token-entirely")),
	} {
		if got := Scrub(text, secret, Redacted); got != text {
			t.Errorf("Scrub(%q) = %q, want it unchanged", text, got)
		}
	}
	if got := Scrub("abc abc", "abc", Redacted); got != "abc abc" {
		t.Errorf("a 3-byte secret redacted ordinary text: %q", got)
	}
}

// TestScrubShortSecret checks a secret shorter than a prefix is matched
// whole, in any case.
func TestScrubShortSecret(t *testing.T) {
	if got := Scrub("pw=HUNTER2 and hunt", "hunter2", "X"); got != "pw=X and hunt" {
		t.Errorf("got %q", got)
	}
}
