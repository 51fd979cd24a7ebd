package main

import (
	"bytes"
	"image"
	_ "image/jpeg" // the example's photos
	_ "image/png"  // the example's screenshots
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/rivo/uniseg"
	"gopkg.in/yaml.v3"
)

// quickstartDir is the example content repository, from this package.
const quickstartDir = "../../examples/quickstart"

// quickstartPost is the part of a post's front-matter these checks read.
type quickstartPost struct {
	Title     string   `yaml:"title" toml:"title"`
	PublishAt any      `yaml:"publish_at" toml:"publish_at"`
	Draft     bool     `yaml:"draft" toml:"draft"`
	To        []string `yaml:"to" toml:"to"`
	Thread    string   `yaml:"thread" toml:"thread"`
	Media     []struct{ File, Alt string }
	X         map[string]any `yaml:"x" toml:"x"`
	Mastodon  map[string]any `yaml:"mastodon" toml:"mastodon"`
	LinkedIn  map[string]any `yaml:"linkedin" toml:"linkedin"`
	Threads   map[string]any `yaml:"threads" toml:"threads"`
	Bluesky   map[string]any `yaml:"bluesky" toml:"bluesky"`
}

var urlRE = regexp.MustCompile(`https?://\S+`)

// quickstartLimits count a text the way each platform does, or more
// strictly: until the platforms' own counters can check the example, this
// keeps its texts within every target's limit.
var quickstartLimits = map[string]struct {
	limit int
	count func(string) int
}{
	"x": {280, func(s string) int { // twitter-text v3: URLs 23, most Latin 1, the rest 2
		n := 23 * len(urlRE.FindAllString(s, -1))
		for _, r := range urlRE.ReplaceAllString(s, "") {
			if r <= 0x10FF || r >= 0x2000 && r <= 0x200D || r >= 0x2010 && r <= 0x201F || r >= 0x2032 && r <= 0x2037 {
				n++
			} else {
				n += 2
			}
		}
		return n
	}},
	"bluesky":  {300, uniseg.GraphemeClusterCount},
	"mastodon": {500, func(s string) int { return utf8.RuneCountInString(urlRE.ReplaceAllString(s, strings.Repeat("x", 23))) }},
	"threads": {500, func(s string) int { // emoji count as their UTF-8 bytes
		n := 0
		for _, r := range s {
			if r > 0xFFFF {
				n += utf8.RuneLen(r)
			} else {
				n++
			}
		}
		return n
	}},
	"linkedin": {3000, utf8.RuneCountInString},
}

// TestQuickstartExample checks what the example promises: posts parse,
// name configured accounts, attach real images with alt text, fit each
// target's length limit, and the configuration holds no secret.
func TestQuickstartExample(t *testing.T) {
	cfgData, err := os.ReadFile(path.Join(quickstartDir, "herald.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Content    string                    `yaml:"content"`
		Accounts   map[string]map[string]any `yaml:"accounts"`
		RequireAlt bool                      `yaml:"require_alt"`
	}
	if err := yaml.Unmarshal(cfgData, &cfg); err != nil {
		t.Fatalf("herald.yaml: %v", err)
	}
	for name, settings := range cfg.Accounts {
		for k, v := range settings {
			if s, ok := v.(string); ok && (strings.Contains(k, "token") || strings.Contains(k, "password") || strings.Contains(k, "secret")) && !strings.HasSuffix(k, "_env") {
				t.Errorf("herald.yaml: accounts.%s.%s = %q holds a secret; name an environment variable with %s_env", name, k, s, k)
			}
		}
	}

	contentDir := path.Join(quickstartDir, cfg.Content)
	entries, err := os.ReadDir(contentDir)
	if err != nil {
		t.Fatal(err)
	}
	counted := 0
	for _, entry := range entries {
		if !strings.HasSuffix(entry.Name(), ".md") {
			continue
		}
		counted++
		t.Run(entry.Name(), func(t *testing.T) {
			data, err := os.ReadFile(path.Join(contentDir, entry.Name()))
			if err != nil {
				t.Fatal(err)
			}
			p, body := parseQuickstartPost(t, data)
			if p.Title == "" || len(p.To) == 0 {
				t.Errorf("title %q, to %q: want both", p.Title, p.To)
			}
			for _, to := range p.To {
				if _, ok := cfg.Accounts[to]; !ok {
					t.Errorf("to: %q is not an account in herald.yaml", to)
				}
			}
			for _, m := range p.Media {
				if cfg.RequireAlt && strings.TrimSpace(m.Alt) == "" {
					t.Errorf("media %s: no alt text", m.File)
				}
				img, err := os.ReadFile(path.Join(contentDir, m.File))
				if err != nil {
					t.Errorf("media: %v", err)
					continue
				}
				if _, _, err := image.Decode(bytes.NewReader(img)); err != nil {
					t.Errorf("media %s: %v", m.File, err)
				}
			}
			overrides := map[string]map[string]any{"x": p.X, "mastodon": p.Mastodon, "linkedin": p.LinkedIn, "threads": p.Threads, "bluesky": p.Bluesky}
			for _, to := range p.To {
				parts := splitQuickstartParts(body)
				if text, ok := overrides[to]["text"].(string); ok {
					parts = []string{text}
				}
				lim, ok := quickstartLimits[to]
				if !ok {
					t.Errorf("%s: no length rule for this platform in the test", to)
					continue
				}
				for i, part := range parts {
					if n := lim.count(part); n > lim.limit && p.Thread != "auto" {
						t.Errorf("%s: part %d is %d long, more than %d", to, i+1, n, lim.limit)
					}
				}
			}
		})
	}
	if counted < 11 || counted > 14 {
		t.Errorf("the example has %d posts, want 11 to 14", counted)
	}
}

// parseQuickstartPost splits a post into its decoded front-matter and its
// body.
func parseQuickstartPost(t *testing.T, data []byte) (quickstartPost, string) {
	t.Helper()
	var p quickstartPost
	s := string(data)
	for _, delim := range []string{"---\n", "+++\n"} {
		if !strings.HasPrefix(s, delim) {
			continue
		}
		front, body, ok := strings.Cut(s[len(delim):], "\n"+delim)
		if !ok {
			t.Fatalf("front-matter has no closing %q", strings.TrimSpace(delim))
		}
		var err error
		if delim == "+++\n" {
			_, err = toml.Decode(front, &p)
		} else {
			err = yaml.Unmarshal([]byte(front), &p)
		}
		if err != nil {
			t.Fatalf("front-matter: %v", err)
		}
		return p, body
	}
	t.Fatal("no front-matter")
	return p, ""
}

// splitQuickstartParts splits a body on thematic breaks, which stand alone
// between blank lines.
func splitQuickstartParts(body string) []string {
	var parts []string
	for _, part := range strings.Split(body, "\n\n---\n\n") {
		parts = append(parts, strings.TrimSpace(part))
	}
	return slices.DeleteFunc(parts, func(s string) bool { return s == "" })
}
