package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/heraldhq/herald/internal/gittest"
	"github.com/heraldhq/herald/internal/telemetry"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
)

func TestAccountLimits(t *testing.T) {
	cfg := &schema.Config{Accounts: map[string]*schema.Account{
		"site":  {Name: "site", Platform: "feed"},
		"masto": {Name: "masto", Platform: "mastodon"},
	}}
	limit := accountLimits(cfg)
	for _, tt := range []struct {
		target string
		rate   rate.Limit
		burst  int
	}{
		{"site", rate.Inf, 1},
		{"masto", reconcile.DefaultRate, reconcile.DefaultBurst},
		{"unknown", reconcile.DefaultRate, reconcile.DefaultBurst},
	} {
		if r, b := limit(tt.target); r != tt.rate || b != tt.burst {
			t.Errorf("%s: rate %v, burst %d; want %v, %d", tt.target, r, b, tt.rate, tt.burst)
		}
	}
}

// TestApplyFeedIsNotRateLimited: a feed target writes into the
// repository, so 1,000 entries are published without waiting for a rate
// limit: none of its time is spent waiting. At the default of one call a
// second they would wait 16 minutes, and the run's 30 s budget would
// defer all but 30 of them.
func TestApplyFeedIsNotRateLimited(t *testing.T) {
	if testing.Short() {
		t.Skip("publishes 1,000 posts")
	}
	const n = 1000
	files := map[string]string{"herald.yaml": "timezone: UTC\naccounts:\n  site:\n    platform: feed\n    atom: public/feed.atom\n"}
	for i := range n {
		files[fmt.Sprintf("posts/p%04d.md", i)] = fmt.Sprintf("---\ntitle: Post %d\nto: [site]\n---\nEntry number %d.\n", i, i)
	}
	// The git binary commits the files: go-git's worktree adds one file
	// at a time, rewriting the index each time.
	remote := gittest.Bare(t, t.TempDir(), "content")
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"},
		{"-c", "user.name=Seed", "-c", "user.email=seed@example.com", "commit", "-q", "-m", "seed"},
		{"remote", "add", "origin", remote}, {"push", "-q", "origin", "main"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	var out bytes.Buffer
	e := &env{stdout: &out, stderr: &out, getenv: func(string) string { return "" }, now: time.Now,
		log: slog.New(slog.DiscardHandler)}
	var f applyFlags
	f.plan.repo, f.plan.noCache = dir, true
	f.concurrency = 8
	f.maxDuration = 30 * time.Second
	reg := prometheus.NewRegistry()
	m, err := telemetry.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := reconcileOnce(t.Context(), e, &f, reconcileHooks{metrics: m}); err != nil {
		t.Fatalf("apply: %v\n%s", err, tail(out.String()))
	}
	t.Logf("%d feed entries applied in %s", n, time.Since(began).Round(time.Millisecond))
	if want := fmt.Sprintf("Applied: %d published.", n); !strings.Contains(out.String(), want) {
		t.Fatalf("output lacks %q:\n%s", want, tail(out.String()))
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range families {
		if mf.GetName() != "herald_rate_limit_wait_seconds_total" {
			continue
		}
		for _, s := range mf.GetMetric() {
			if waited := s.GetCounter().GetValue(); waited >= 0.1 {
				t.Errorf("the feed waited %.1fs for its rate limit, want none", waited)
			}
		}
	}
}

// tail is the end of a long output.
func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}
