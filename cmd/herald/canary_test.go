package main

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// canaryForms are the forms in which a hostile or careless server may
// echo a secret: as it is, in capitals, cut short, URL-escaped, in base64
// and base64url, and as the password of a Basic authorization.
func canaryForms(secret string) map[string]string {
	basic := func(user string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+secret))
	}
	return map[string]string{
		"raw":       secret,
		"upper":     strings.ToUpper(secret),
		"prefix":    secret[:14] + "...",
		"escaped":   url.QueryEscape(secret),
		"base64":    base64.StdEncoding.EncodeToString([]byte(secret)),
		"base64url": base64.RawURLEncoding.EncodeToString([]byte(secret)),
		"basic":     basic("x-access-token"),
		"basic2":    basic("ab"),
		"basic1":    basic("a"),
	}
}

// echoServer starts, for the rest of the script, a server that answers
// every request 401 with $CANARY in every form of canaryForms, in its
// body and its headers, and puts its URL in ECHO_URL:
//
//	echoserver
func echoServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: echoserver")
	}
	secret := ts.Getenv("CANARY")
	if len(secret) < 16 {
		ts.Fatalf("set CANARY to a secret of 16 bytes or more")
	}
	forms := canaryForms(secret)
	var parts []string
	for _, name := range []string{"raw", "upper", "prefix", "escaped", "base64", "base64url", "basic", "basic2", "basic1"} {
		parts = append(parts, name+"="+forms[name])
	}
	echo := strings.Join(parts, " ")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+echo+`"`)
		w.Header().Set("X-Echo", forms["basic"])
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":"invalid_token","error_description":%q,"message":%q}`, "the token "+echo+" is invalid", echo)
	}))
	ts.Defer(srv.Close)
	ts.Setenv("ECHO_URL", srv.URL)
}

// canaryAbsent fails when $CANARY shows, in any form a server may echo it
// (canaryForms) or any piece of one that redaction must remove, in stdout,
// stderr or the files named:
//
//	canary-absent stdout|stderr|FILE...
func canaryAbsent(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: canary-absent stdout|stderr|FILE...")
	}
	secret := ts.Getenv("CANARY")
	// What must not show: 12 characters of the secret in any case, or
	// 12 characters of the base64 of its whole 3-byte groups, at any of
	// the three offsets a secret may start at in encoded bytes.
	needles := []string{strings.ToLower(secret[:12])}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for skip := range 3 {
			rest := secret[skip:]
			core := enc.EncodeToString([]byte(rest[:len(rest)/3*3]))
			for i := 0; i+12 <= len(core)-4; i += 4 {
				needles = append(needles, core[i:i+12])
			}
		}
	}
	for _, arg := range args {
		var text string
		switch arg {
		case "stdout", "stderr":
			text = ts.ReadFile(arg)
		default:
			b, err := os.ReadFile(ts.MkAbs(arg))
			ts.Check(err)
			text = string(b)
		}
		lower := strings.ToLower(text)
		for i, n := range needles {
			hay := text
			if i == 0 {
				hay = lower
			}
			if j := strings.Index(hay, n); j >= 0 {
				from, to := max(0, j-60), min(len(text), j+len(n)+60)
				ts.Fatalf("%s holds the canary (%q) at byte %d: ...%s...", arg, n, j, text[from:to])
			}
		}
	}
}
