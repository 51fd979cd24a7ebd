package reconcile

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/corpus"
	"github.com/heraldhq/herald/schema"
)

// hostileConfig has an account on every platform of note, so that every
// render and every override map is exercised.
const hostileConfig = `timezone: UTC
accounts:
  x: {token_env: X_TOKEN}
  bluesky: {handle: a.example.com, password_env: BSKY}
  mastodon: {base_url: "https://m.example", token_env: MASTO}
  linkedin: {token_env: LI}
  threads: {token_env: TH}
  facebook: {token_env: FB, page_id: "1"}
  reddit: {token_env: RD, subreddit: golang}
  devto: {token_env: DEVTO}
  medium: {token_env: MED}
  ghost: {base_url: "https://g.example", key_env: GHOST}
`

// hostilePosts are post files built to cost the most under the limits,
// each at most schema.MaxPostSize: the worst cases found by hand and by
// fuzzing, kept as regressions.
func hostilePosts() map[string]string {
	const size = schema.MaxPostSize - 4096
	fill := func(unit string) string { return strings.Repeat(unit, size/len(unit)) }
	accounts := []string{"x", "bluesky", "mastodon", "linkedin", "threads", "facebook", "reddit", "devto", "medium", "ghost"}
	var b strings.Builder
	posts := map[string]string{}

	b.WriteString("---\ntitle: t\nto: [" + strings.Join(accounts, ", ") + "]\n")
	for _, a := range accounts {
		fmt.Fprintf(&b, "%s:\n", a)
		for i := range 990 {
			fmt.Fprintf(&b, "  k%d: 1\n", i)
		}
	}
	b.WriteString("---\nBody\n")
	posts["unknown-keys.md"] = b.String()

	b.Reset()
	b.WriteString("---\ntitle: t\nto: [x]\ntags: [")
	for i := range 9990 {
		fmt.Fprintf(&b, "t%d, ", i)
	}
	b.WriteString("]\n---\nBody\n")
	posts["tags.md"] = b.String()

	b.Reset()
	b.WriteString("---\ntitle: t\nto: [x]\nmedia:\n")
	for range 3000 {
		b.WriteString("  - {file: a.png, alt: a, bogus: 1}\n")
	}
	b.WriteString("---\nBody\n")
	posts["media.md"] = b.String()

	b.Reset()
	b.WriteString(`{"title": "t", "to": ["x"], "l": [`)
	for range 9990 {
		b.WriteString(`{"a": 1},`)
	}
	b.WriteString("1]}\n\nBody\n")
	posts["json-one-line.md"] = b.String()

	b.Reset()
	b.WriteString("+++\ntitle = \"t\"\nto = [\"x\"]\n")
	for i := range 990 {
		fmt.Fprintf(&b, "[x.k%d]\na = %s1%s\n", i, strings.Repeat("[", 8), strings.Repeat("]", 8))
	}
	b.WriteString("+++\nBody\n")
	posts["toml-tables.md"] = b.String()

	head := "---\ntitle: t\nto: [" + strings.Join(accounts, ", ") + "]\n---\n"
	posts["thread-breaks.md"] = head + fill("a\n\n---\n\n")
	posts["links.md"] = head + fill("https://e.example/a ")
	posts["hashtags.md"] = head + fill("#tag @a.example.com ")
	posts["combining.md"] = head + fill("e\u0301")
	posts["quotes.md"] = head + fill("> ")
	posts["lists.md"] = head + fill("- ")
	posts["emphasis.md"] = head + fill("*a _")
	posts["brackets.md"] = head + fill("[")
	posts["backticks.md"] = head + fill("`a ")
	posts["long-line.md"] = head + fill("word ")
	posts["paragraphs.md"] = head + fill("a\n\n")
	posts["headings.md"] = head + fill("# a\n")
	posts["code-fences.md"] = head + fill("```\n")
	autoHead := strings.Replace(head, "title: t\n", "title: t\nthread: numbered\n", 1)
	posts["auto-thread.md"] = autoHead + fill("word ")
	posts["auto-thread-links.md"] = autoHead + fill("https://e.example/a #tag @b.example.com ")
	posts["link-openers.md"] = head + fill("[a](")
	posts["link-titles.md"] = head + fill("[a](b \"\n")
	posts["ordered.md"] = head + fill("1. ")
	posts["unmatched.md"] = head + fill("![_*a~~")
	var nest strings.Builder
	nest.WriteString(head)
	for i := 0; nest.Len() < size-4096; i++ {
		nest.WriteString(strings.Repeat("  ", i%1000) + "- a\n")
	}
	posts["indented-lists.md"] = nest.String()
	posts["long-title.md"] = "---\nto: [x]\ntitle: " + fill("t") + "\n---\nBody\n"
	return posts
}

// TestCheckHostileBudget checks that a repository of any single post
// file within the size limit is checked (parsed, rendered for every
// target, validated) as herald validate does, in under 2 s and with the
// process's peak RSS growing by under 150 MB (herald's own is about 50),
// whatever the file holds.
func TestCheckHostileBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("checks several 1 MB posts")
	}
	for name, src := range hostilePosts() {
		if len(src) > schema.MaxPostSize {
			t.Fatalf("%s is %d bytes, over the limit", name, len(src))
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "herald.yaml"), []byte(hostileConfig), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "posts"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "posts", name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			repo, err := OpenRepo(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer repo.Close()
			debug.FreeOSMemory()
			if err := corpus.ResetPeakRSS(); err != nil {
				t.Skip(err)
			}
			base, err := corpus.PeakRSS()
			if err != nil {
				t.Skip(err)
			}
			start := time.Now()
			cpu0, err := corpus.CPUTime()
			if err != nil {
				t.Skip(err)
			}
			rep, err := repo.Check(t.Context(), CheckOptions{})
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			cpu1, err := corpus.CPUTime()
			if err != nil {
				t.Fatal(err)
			}
			cpu := cpu1 - cpu0
			peak, err := corpus.PeakRSS()
			if err != nil {
				t.Fatal(err)
			}
			grew := (peak - base) >> 20
			t.Logf("%v (%v of CPU), peak RSS %d MB over %d MB, %d findings", took.Round(time.Millisecond), cpu.Round(time.Millisecond), grew, base>>20, len(rep.Errors))
			if len(rep.Errors) > 0 {
				t.Logf("  %v", rep.Errors[0])
			}
			// CPU time, not wall time: go test runs packages side by
			// side, and on two busy cores a check's wall time says more
			// about the neighbours than about the check. Alone, the worst
			// of these takes about 1 to 2.3 s; the bound leaves room for
			// a loaded runner's GC and caches, and still catches the
			// super-linear blow-ups (25 s to out of memory) these posts
			// once caused.
			if cpu > 6*time.Second {
				t.Errorf("took %v of CPU (%v), want under 6 s", cpu, took)
			}
			if grew > 150 {
				t.Errorf("peak RSS grew by %d MB, want under 150 MB", grew)
			}
		})
	}
}
