package corpus

import (
	"bytes"
	"image/png"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// readTree returns every file under dir by slash-separated relative path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatalf("read tree: %v", err)
	}
	return files
}

func generate(t *testing.T, opts Options) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	if err := Generate(dir, opts); err != nil {
		t.Fatalf("Generate(%+v): %v", opts, err)
	}
	return dir, readTree(t, dir)
}

func TestGenerateDeterministic(t *testing.T) {
	tests := []struct {
		name  string
		a, b  Options
		equal bool
	}{
		{"same seed", Defaults(300), Defaults(300), true},
		{"same seed with hugo", Options{N: 50, Seed: 7, ThreadRatio: 0.5, MediaRatio: 0.5, Hugo: true},
			Options{N: 50, Seed: 7, ThreadRatio: 0.5, MediaRatio: 0.5, Hugo: true}, true},
		{"other seed", Options{N: 50, Seed: 1}, Options{N: 50, Seed: 2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, a := generate(t, tt.a)
			_, b := generate(t, tt.b)
			diff := cmp.Diff(a, b)
			if tt.equal && diff != "" {
				t.Errorf("trees differ (-first +second):\n%s", diff)
			}
			if !tt.equal && diff == "" {
				t.Error("trees are equal, want them to differ")
			}
		})
	}
}

// frontMatter is every key a generated post may have.
type frontMatter struct {
	Title     string   `yaml:"title"`
	PublishAt string   `yaml:"publish_at"`
	To        []string `yaml:"to"`
	Tags      []string `yaml:"tags"`
	Campaign  string   `yaml:"campaign"`
	Media     []struct {
		File string `yaml:"file"`
		Alt  string `yaml:"alt"`
	} `yaml:"media"`
}

var postPath = regexp.MustCompile(`^posts/(2026|2027)/(0[1-9]|1[0-2])/set-\d\d/post-\d{5,}\.md$`)

// splitPost returns a post's front-matter and body.
func splitPost(t *testing.T, name, text string) (string, string) {
	t.Helper()
	rest, ok := strings.CutPrefix(text, "---\n")
	if !ok {
		t.Fatalf("%s: no front-matter", name)
	}
	front, body, ok := strings.Cut(rest, "\n---\n")
	if !ok {
		t.Fatalf("%s: front-matter not closed", name)
	}
	return front, body
}

// checkPost checks one post file against the contract of a clean corpus
// and returns its decoded front-matter and its thread parts.
func checkPost(t *testing.T, dir, name, text string) (frontMatter, []string) {
	t.Helper()
	front, body := splitPost(t, name, text)
	var fm frontMatter
	dec := yaml.NewDecoder(strings.NewReader(front))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil {
		t.Fatalf("%s: front-matter: %v", name, err)
	}
	var keys map[string]any
	if err := yaml.Unmarshal([]byte(front), &keys); err != nil {
		t.Fatalf("%s: front-matter: %v", name, err)
	}
	for _, k := range []string{"title", "publish_at", "to", "tags"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("%s: no %s", name, k)
		}
	}
	if fm.Title == "" {
		t.Errorf("%s: empty title", name)
	}
	at, err := time.Parse(time.RFC3339, fm.PublishAt)
	if err != nil {
		t.Errorf("%s: publish_at: %v", name, err)
	} else if y := at.UTC().Year(); y < 2026 || y > 2027 {
		t.Errorf("%s: publish_at %s is outside 2026-2027", name, fm.PublishAt)
	}
	if n := len(fm.To); n < 1 || n > 5 || len(slices.Compact(slices.Sorted(slices.Values(fm.To)))) != n {
		t.Errorf("%s: to %v: want 1 to 5 distinct accounts", name, fm.To)
	}
	for _, a := range fm.To {
		if !slices.Contains(Accounts, a) {
			t.Errorf("%s: to names unknown account %q", name, a)
		}
	}
	if n := len(fm.Tags); n < 1 || n > 4 || len(slices.Compact(slices.Sorted(slices.Values(fm.Tags)))) != n {
		t.Errorf("%s: tags %v: want 1 to 4 distinct tags", name, fm.Tags)
	}
	for _, m := range fm.Media {
		file := path.Join(path.Dir(name), m.File)
		if !strings.HasPrefix(file, "posts/images/") {
			t.Errorf("%s: media %s resolves to %s, outside posts/images", name, m.File, file)
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(file))); err != nil {
			t.Errorf("%s: media %s: %v", name, m.File, err)
		}
		if m.Alt == "" {
			t.Errorf("%s: media %s has no alt text", name, m.File)
		}
	}
	body = strings.TrimSuffix(body, "\n")
	parts := strings.Split(body, ThreadBreak)
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n >= 200 {
			t.Errorf("%s: part %d has %d runes, want under 200:\n%s", name, i+1, n, p)
		}
		if strings.TrimSpace(p) != p || p == "" {
			t.Errorf("%s: part %d is empty or has surrounding space: %q", name, i+1, p)
		}
	}
	for _, want := range []string{"https://", "#", "*"} {
		if !strings.Contains(body, want) {
			t.Errorf("%s: body has no %q (link, hashtag, emphasis):\n%s", name, want, body)
		}
	}
	return fm, parts
}

func TestGenerateContent(t *testing.T) {
	tests := []struct {
		name        string
		opts        Options
		wantThreads func(threads, n int) bool
		wantMedia   func(media, n int) bool
	}{
		{"defaults", Defaults(1000),
			func(th, n int) bool { return th > n/10 && th < n*3/10 },
			func(m, n int) bool { return m > n/5 && m < n*2/5 }},
		{"no threads no media", Options{N: 120, Seed: 3},
			func(th, n int) bool { return th == 0 },
			func(m, n int) bool { return m == 0 }},
		{"all threads all media", Options{N: 120, Seed: 4, ThreadRatio: 1, MediaRatio: 1},
			func(th, n int) bool { return th == n },
			func(m, n int) bool { return m == n }},
		{"one post", Options{N: 1, Seed: 5, Hugo: true},
			func(th, n int) bool { return th == 0 },
			func(m, n int) bool { return m == 0 }},
		{"empty", Options{N: 0},
			func(th, n int) bool { return th == 0 },
			func(m, n int) bool { return m == 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, files := generate(t, tt.opts)
			var posts, threads, media int
			perDir := map[string]int{}
			for name, text := range files {
				if !strings.HasSuffix(name, ".md") {
					continue
				}
				if !postPath.MatchString(name) {
					t.Errorf("post %s: path does not match %s", name, postPath)
				}
				posts++
				perDir[path.Dir(name)]++
				fm, parts := checkPost(t, dir, name, text)
				if len(parts) > 1 {
					threads++
				}
				if len(fm.Media) > 0 {
					media++
				}
			}
			if posts != tt.opts.N {
				t.Errorf("got %d posts, want %d", posts, tt.opts.N)
			}
			for d, n := range perDir {
				if n > PostsPerDir {
					t.Errorf("%s holds %d posts, want at most %d", d, n, PostsPerDir)
				}
			}
			if !tt.wantThreads(threads, posts) {
				t.Errorf("%d threads among %d posts", threads, posts)
			}
			if !tt.wantMedia(media, posts) {
				t.Errorf("%d posts with media among %d posts", media, posts)
			}
		})
	}
}

func TestGenerateConfig(t *testing.T) {
	_, files := generate(t, Options{N: 3})
	var cfg struct {
		Content    string              `yaml:"content"`
		Timezone   string              `yaml:"timezone"`
		RequireAlt bool                `yaml:"require_alt"`
		Accounts   map[string]struct{} `yaml:"accounts"`
	}
	dec := yaml.NewDecoder(strings.NewReader(files["herald.yaml"]))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("herald.yaml: %v", err)
	}
	if cfg.Content != "posts" || cfg.Timezone != "UTC" || !cfg.RequireAlt {
		t.Errorf("herald.yaml: content %q, timezone %q, require_alt %v; want posts, UTC, true",
			cfg.Content, cfg.Timezone, cfg.RequireAlt)
	}
	got := slices.Sorted(func(yield func(string) bool) {
		for a := range cfg.Accounts {
			if !yield(a) {
				return
			}
		}
	})
	want := []string{"bluesky", "linkedin", "mastodon", "threads", "x"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("accounts (-want +got):\n%s", diff)
	}
	for _, im := range pictures {
		b, ok := files["posts/images/"+im.name]
		if !ok {
			t.Errorf("no image %s", im.name)
			continue
		}
		if _, err := png.DecodeConfig(bytes.NewReader([]byte(b))); err != nil {
			t.Errorf("image %s: %v", im.name, err)
		}
	}
}

func TestGenerateHugo(t *testing.T) {
	tests := []struct {
		name string
		hugo bool
	}{
		{"with hugo", true},
		{"without hugo", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, files := generate(t, Options{N: 2, Hugo: tt.hugo})
			var names []string
			for name := range files {
				if !strings.HasPrefix(name, "posts/") && name != "herald.yaml" {
					names = append(names, name)
				}
			}
			slices.Sort(names)
			var want []string
			if tt.hugo {
				want = []string{"hugo.toml", "layouts/_default/list.html", "layouts/_default/single.html"}
			}
			if diff := cmp.Diff(want, names); diff != "" {
				t.Fatalf("site files (-want +got):\n%s", diff)
			}
			if !tt.hugo {
				return
			}
			var cfg struct {
				ContentDir   string   `toml:"contentDir"`
				DisableKinds []string `toml:"disableKinds"`
			}
			if _, err := toml.Decode(files["hugo.toml"], &cfg); err != nil {
				t.Fatalf("hugo.toml: %v", err)
			}
			if cfg.ContentDir != "posts" {
				t.Errorf("contentDir = %q, want posts", cfg.ContentDir)
			}
			for _, k := range []string{"taxonomy", "term", "RSS"} {
				if !slices.Contains(cfg.DisableKinds, k) {
					t.Errorf("disableKinds %v lacks %s", cfg.DisableKinds, k)
				}
			}
			for _, l := range want[1:] {
				for _, v := range []string{"{{ .Title }}", "{{ .Content }}"} {
					if !strings.Contains(files[l], v) {
						t.Errorf("%s does not render %s", l, v)
					}
				}
			}
		})
	}
}

func TestGenerateRejects(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"negative count", Options{N: -1}},
		{"thread ratio above one", Options{N: 1, ThreadRatio: 1.5}},
		{"negative media ratio", Options{N: 1, MediaRatio: -0.1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Generate(t.TempDir(), tt.opts); err == nil {
				t.Errorf("Generate(%+v) = nil, want an error", tt.opts)
			}
		})
	}
}

func BenchmarkGenerate10k(b *testing.B) {
	for b.Loop() {
		if err := Generate(b.TempDir(), Defaults(10000)); err != nil {
			b.Fatal(err)
		}
	}
}
