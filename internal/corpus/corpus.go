package corpus

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options says what Generate writes.
type Options struct {
	// N is the number of posts.
	N int
	// Seed makes the corpus: the same Options give the same bytes.
	Seed uint64
	// ThreadRatio is the share of posts, from 0 to 1, whose body is a
	// thread of two or more parts.
	ThreadRatio float64
	// MediaRatio is the share of posts, from 0 to 1, that attach images.
	MediaRatio float64
	// Hugo also writes a minimal Hugo site whose content directory is the
	// posts directory, so that Hugo builds the very same files.
	Hugo bool
	// LongForm writes blog-length posts instead: see LongForm.
	LongForm bool
	// OverrideRatio is the share of long-form posts, from 0 to 1, that
	// give one of their accounts its own text.
	OverrideRatio float64
}

// Defaults returns the options benchmarks use for n posts: a fifth of them
// threads and a third with images, the mix of a busy team's calendar.
func Defaults(n int) Options {
	return Options{N: n, Seed: 1, ThreadRatio: 0.2, MediaRatio: 0.3}
}

// LongForm returns the options of the long-form corpus: n blog-length
// posts cross-posted to social accounts, each a body of 100 to 400 words
// in 2 to 6 paragraphs (some with a link or a short list), `thread: auto`
// so that herald splits it into a thread, to 1 to 4 of the accounts; 30%
// attach an image with alt text and 35% give one account its own text.
func LongForm(n int) Options {
	return Options{N: n, Seed: 1, MediaRatio: 0.3, LongForm: true, OverrideRatio: 0.35}
}

// Accounts are the account names the generated herald.yaml declares, in
// the order it declares them. Each is named after its platform.
var Accounts = []string{"bluesky", "mastodon", "x", "linkedin", "threads"}

// threadAccounts are the accounts a thread goes to: the platforms where a
// thread is a native form.
var threadAccounts = []string{"bluesky", "mastodon", "x", "threads"}

// ContentDir is the directory, below the repository root, that holds the
// posts.
const ContentDir = "posts"

// PostsPerDir is how many posts share one directory.
const PostsPerDir = 100

// MaxPartRunes bounds every thread part, in runes. It keeps each part
// within the tightest limit among the accounts (X: 280 weighted, with
// URLs counted as 23; Bluesky: 300 graphemes) with room for rendering.
const MaxPartRunes = 190

// ThreadBreak separates the parts of a thread in a generated body.
const ThreadBreak = "\n\n---\n\n"

// Generate writes a herald content repository of opts.N posts into dir,
// creating dir if needed: herald.yaml, the posts under posts/YYYY/MM/set-KK/,
// and the images they attach under posts/images/. With opts.Hugo it also
// writes hugo.toml and the layouts Hugo needs to build every post.
func Generate(dir string, opts Options) error {
	if opts.N < 0 {
		return fmt.Errorf("generate corpus: negative post count %d", opts.N)
	}
	if opts.ThreadRatio < 0 || opts.ThreadRatio > 1 || opts.MediaRatio < 0 || opts.MediaRatio > 1 || opts.OverrideRatio < 0 || opts.OverrideRatio > 1 {
		return errors.New("generate corpus: ratios must be between 0 and 1")
	}
	if err := os.MkdirAll(filepath.Join(dir, ContentDir, imagesDir), 0o755); err != nil {
		return fmt.Errorf("generate corpus: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "herald.yaml"), []byte(heraldConfig()), 0o644); err != nil {
		return fmt.Errorf("generate corpus: %w", err)
	}
	if err := writeImages(filepath.Join(dir, ContentDir, imagesDir)); err != nil {
		return fmt.Errorf("generate corpus: %w", err)
	}
	if opts.Hugo {
		if err := writeHugo(dir); err != nil {
			return fmt.Errorf("generate corpus: %w", err)
		}
	}
	// Posts are drawn in order from one source, a directory at a time;
	// workers write the directories, since creating files is most of
	// the work and the kernel does it on any core.
	batches := make(chan batch, 2*runtime.GOMAXPROCS(0))
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for b := range batches {
				if err := b.write(); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	g := newGenerator(opts)
	perMonth := map[string]int{}
	for first := 0; first < opts.N; first += PostsPerDir {
		var b batch
		for i := first; i < min(first+PostsPerDir, opts.N); i++ {
			p := g.post(i)
			if i == first {
				month := p.publishAt.Format("2006/01")
				perMonth[month]++
				b.dir = filepath.Join(dir, ContentDir, filepath.FromSlash(month), fmt.Sprintf("set-%02d", perMonth[month]))
			}
			// A post sits three levels below the content directory.
			p.write(&b.text, "../../../"+imagesDir+"/")
			b.names = append(b.names, fmt.Sprintf("post-%05d.md", i))
			b.ends = append(b.ends, b.text.Len())
		}
		if len(errs) > 0 {
			break
		}
		batches <- b
	}
	close(batches)
	wg.Wait()
	select {
	case err := <-errs:
		return fmt.Errorf("generate corpus: %w", err)
	default:
		return nil
	}
}

// batch is one directory of posts: their names, and their texts one after
// the other, each ending at the matching offset in ends.
type batch struct {
	dir   string
	names []string
	text  bytes.Buffer
	ends  []int
}

func (b *batch) write() error {
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		return err
	}
	text, start := b.text.Bytes(), 0
	for i, name := range b.names {
		if err := os.WriteFile(filepath.Join(b.dir, name), text[start:b.ends[i]], 0o644); err != nil {
			return err
		}
		start = b.ends[i]
	}
	return nil
}

// heraldConfig is the generated repository's herald.yaml.
func heraldConfig() string {
	var b strings.Builder
	b.WriteString("# A generated content repository: every post validates clean.\n")
	b.WriteString("content: " + ContentDir + "\n")
	b.WriteString("timezone: UTC\n")
	b.WriteString("require_alt: true\n")
	b.WriteString("accounts:\n")
	for _, a := range Accounts {
		b.WriteString("  " + a + ": {}\n")
	}
	return b.String()
}

// post is one generated post before it is written.
type post struct {
	title     string
	publishAt time.Time
	to        []string
	tags      []string
	campaign  string
	media     []picture
	parts     []string
	// Long-form posts: thread: auto, and one account's own text.
	auto         bool
	overrideTo   string
	overrideText string
}

// write writes the post as a Markdown file with YAML front-matter; images
// is the relative path from the post to the images directory.
func (p *post) write(b *bytes.Buffer, images string) {
	b.WriteString("---\ntitle: ")
	b.WriteString(strconv.Quote(p.title))
	b.WriteString("\npublish_at: ")
	b.WriteString(p.publishAt.Format(time.RFC3339))
	b.WriteString("\nto: [")
	b.WriteString(strings.Join(p.to, ", "))
	b.WriteString("]\ntags: [")
	b.WriteString(strings.Join(p.tags, ", "))
	b.WriteString("]\n")
	if p.campaign != "" {
		b.WriteString("campaign: ")
		b.WriteString(p.campaign)
		b.WriteByte('\n')
	}
	if len(p.media) > 0 {
		b.WriteString("media:\n")
		for _, m := range p.media {
			b.WriteString("  - file: ")
			b.WriteString(images + m.name)
			b.WriteString("\n    alt: ")
			b.WriteString(strconv.Quote(m.alt))
			b.WriteByte('\n')
		}
	}
	if p.auto {
		b.WriteString("thread: auto\n")
	}
	if p.overrideTo != "" {
		b.WriteString(p.overrideTo)
		b.WriteString(":\n  text: ")
		b.WriteString(strconv.Quote(p.overrideText))
		b.WriteByte('\n')
	}
	b.WriteString("---\n")
	b.WriteString(strings.Join(p.parts, ThreadBreak))
	b.WriteByte('\n')
}

// generator draws posts from one seeded source, in order.
type generator struct {
	opts Options
	r    *rand.Rand
}

func newGenerator(opts Options) *generator {
	return &generator{opts: opts, r: rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15))}
}

// start is the first publication day; posts spread over the 728 days that
// follow, so that every instant stays inside 2026 and 2027 in any zone.
var start = time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)

const spanDays = 728

// post draws post i. Posts come out in publication order, so that a
// directory holds posts of about the same month.
func (g *generator) post(i int) post {
	r := g.r
	var p post
	zone := zones[r.IntN(len(zones))]
	day := int((float64(i) + r.Float64()) * spanDays / float64(max(g.opts.N, 1)))
	y, m, d := start.AddDate(0, 0, day).Date()
	p.publishAt = time.Date(y, m, d, 7+r.IntN(13), 15*r.IntN(4), 0, 0, zone)

	if g.opts.LongForm {
		return g.longPost(p)
	}
	thread := r.Float64() < g.opts.ThreadRatio
	accounts := Accounts
	if thread {
		accounts = threadAccounts
	}
	p.to = pick(r, accounts, 1+r.IntN(len(accounts)))
	p.tags = pick(r, tagPool, 1+r.IntN(4))
	if r.IntN(4) == 0 {
		p.campaign = campaigns[r.IntN(len(campaigns))]
	}
	if r.Float64() < g.opts.MediaRatio {
		for _, k := range r.Perm(len(pictures))[:1+r.IntN(2)] {
			p.media = append(p.media, pictures[k])
		}
	}
	s := newSubject(r, p.tags[0])
	p.title = s.fill(titles[r.IntN(len(titles))])
	if thread {
		p.parts = s.thread(r, 2+r.IntN(4))
	} else {
		p.parts = []string{s.single(r)}
	}
	return p
}

// pick returns n distinct items of pool in a random order.
func pick(r *rand.Rand, pool []string, n int) []string {
	out := make([]string, n)
	for i, k := range r.Perm(len(pool))[:n] {
		out[i] = pool[k]
	}
	return out
}

// zones are the offsets posts are scheduled in: a team spread over the
// world writes its local time.
var zones = []*time.Location{
	time.UTC,
	time.FixedZone("", -5*3600),
	time.FixedZone("", -8*3600),
	time.FixedZone("", 1*3600),
	time.FixedZone("", 2*3600),
	time.FixedZone("", 5*3600+1800),
	time.FixedZone("", 9*3600),
}
