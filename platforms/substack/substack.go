package substack

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/platforms"
)

// Name is the platform's name in configuration and the registry.
const Name = "substack"

// DefaultDrafts is where drafts go when the account does not set drafts:
// a folder of the content repository, one folder per post below it.
const DefaultDrafts = "drafts/substack"

// DraftFile is the name of the paste-ready page in a post's folder.
const DraftFile = "draft.html"

// tmpSuffix names the temporary file written beside each file before it
// is renamed into place; a file left by a crash is overwritten next time.
const tmpSuffix = ".herald-tmp"

// WriteFS is the part of the content repository's file system a Substack
// account needs: read a draft back, write a temporary file, rename it into
// place, clean up. *os.Root satisfies it and refuses any path that leaves
// the root.
type WriteFS interface {
	ReadFile(name string) ([]byte, error)
	WriteFile(name string, data []byte, perm fs.FileMode) error
	Rename(oldname, newname string) error
	Remove(name string) error
	MkdirAll(name string, perm fs.FileMode) error
}

var _ WriteFS = (*os.Root)(nil)

// StageFunc hands a written file to whatever commits it (herald apply
// passes the state store's PutFile): its path relative to the repository
// root, its content, and how to merge it (nil: ours wins, right for a
// draft only this post writes).
type StageFunc func(path string, data []byte, merge func(base, ours, theirs []byte) ([]byte, error)) error

// ErrNoRoot is what every call returns on an account built without a
// repository root (New, for plan and preview).
var ErrNoRoot = errors.New("substack built without a repository root: register substack.ConstructorWith(Options{Root: root})")

// Options are what the account needs from the program besides its
// settings: the repository to write into and how to commit what it
// writes.
type Options struct {
	// Root is the content repository's root. Nil builds an account that
	// can be planned but returns ErrNoRoot from every call.
	Root WriteFS
	// Stage, when set, is given every file written, and the files of a
	// draft Find finds, so that they are committed with the state that
	// points at them.
	Stage StageFunc
}

// Substack is one Substack publication. Substack has no publishing API,
// so publishing a post writes a paste-ready draft into the repository
// and tells a person what to do with it.
type Substack struct {
	root        WriteFS
	stage       StageFunc
	now         func() time.Time
	drafts      string
	publication *url.URL
	mu          sync.Mutex
}

var (
	_ platforms.Publisher = (*Substack)(nil)
	_ platforms.Preparer  = (*Substack)(nil)
	_ platforms.Finder    = (*Substack)(nil)

	_ platforms.PublishDescriber = (*Substack)(nil)
)

// New is the platforms.Constructor without a repository root, for
// commands that never write: it checks the settings and reports the
// capabilities.
func New(s platforms.Settings) (platforms.Publisher, error) {
	return NewWith(s, Options{})
}

// ConstructorWith returns the constructor herald apply registers, whose
// accounts write into opts.Root and stage with opts.Stage.
func ConstructorWith(opts Options) platforms.Constructor {
	return func(s platforms.Settings) (platforms.Publisher, error) { return NewWith(s, opts) }
}

// NewWith builds an account from its settings and the program's options.
// It does no I/O.
func NewWith(s platforms.Settings, opts Options) (*Substack, error) {
	if s.Now == nil {
		return nil, errors.New("settings lack Now")
	}
	sub := &Substack{root: opts.Root, stage: opts.Stage, now: s.Now, drafts: DefaultDrafts}
	if v, ok := s.Values["drafts"]; ok {
		p, _ := v.(string)
		clean := path.Clean(p)
		switch {
		case p == "" || strings.Contains(p, `\`):
			return nil, fmt.Errorf("setting drafts: %q: want a folder of the repository, with forward slashes", p)
		case path.IsAbs(p) || !filepath.IsLocal(filepath.FromSlash(clean)) || clean == ".":
			return nil, fmt.Errorf("setting drafts: %q leaves the repository: want a folder relative to its root, inside it", p)
		}
		if first, _, _ := strings.Cut(clean, "/"); strings.EqualFold(first, ".git") || strings.EqualFold(first, ".herald") {
			return nil, fmt.Errorf("setting drafts: %q is where git or herald keeps its own files: put the drafts elsewhere", p)
		}
		sub.drafts = clean
	}
	if v := s.String("publication_url"); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("setting publication_url %q is not an http(s) URL such as https://example.substack.com", v)
		}
		sub.publication = u
	}
	return sub, nil
}

// Name returns "substack".
func (s *Substack) Name() string { return Name }

// PublishMeans says, for the plan, that publishing writes a draft for a
// person (platforms.PublishDescriber).
func (s *Substack) PublishMeans() string {
	return "herald writes a paste-ready draft into the repository for a person to publish by hand: Substack has no publishing API"
}

// Dir is the folder the post's draft goes into.
func (s *Substack) Dir(postID string) string { return s.drafts + "/" + postID }

// Prepare builds what is pasted (platforms.Preparer): the body as
// herald's HTML rendering (or paragraphs of the text when the payload has
// no HTML), and the title, the post's or its first line. It is pure.
func (s *Substack) Prepare(p *platforms.Payload) (*platforms.Payload, error) { return Prepare(p) }

// Prepare is Substack.Prepare without an account, for golden tests.
func Prepare(p *platforms.Payload) (*platforms.Payload, error) {
	body := p.HTML
	if strings.TrimSpace(body) == "" {
		for _, part := range p.Parts {
			for para := range strings.SplitSeq(part.Text, "\n\n") {
				if para = strings.TrimSpace(para); para != "" {
					body += "<p>" + strings.ReplaceAll(html.EscapeString(para), "\n", "<br>") + "</p>\n"
				}
			}
		}
	}
	if strings.TrimSpace(body) == "" {
		return nil, errors.New("the post has no body")
	}
	title := strings.Join(strings.Fields(p.Title), " ")
	if title == "" {
		for line := range strings.SplitSeq(p.Text(), "\n") {
			if line = strings.Join(strings.Fields(line), " "); line != "" {
				title = line
				break
			}
		}
	}
	p.Title = title
	p.Parts = []platforms.Part{{Text: body}}
	if v, ok := p.Options["subtitle"]; ok && v != nil {
		if _, isString := v.(string); !isString {
			return nil, fmt.Errorf("option subtitle must be text, not %v", v)
		}
	}
	return p, nil
}

// file is one file of a draft: its path in the repository and content.
type file struct {
	path string
	data []byte
}

// image is a media file copied beside the draft.
type image struct {
	name, alt string
}

// Publish writes the post's draft into its folder: each media file
// beside it, then draft.html, each through a temporary file renamed into
// place, and stages them. The receipt's Manual says what a person does
// next; its Extra names the draft. Writing the same post again replaces
// the files, so a retry never leaves two drafts.
func (s *Substack) Publish(ctx context.Context, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	if s.root == nil {
		return nil, fail(platforms.NotCreated, ErrNoRoot)
	}
	if len(p.Parts) == 0 || p.Title == "" {
		return nil, fail(platforms.NotCreated, errors.New("the draft has no body or no title (was it prepared?)"))
	}
	dir := s.Dir(p.PostID)
	var files []file
	var images []image
	used := map[string]bool{DraftFile: true}
	for i, m := range p.Media {
		name := path.Base(m.Path)
		if used[name] {
			name = strconv.Itoa(i+1) + "-" + name
		}
		used[name] = true
		data, err := read(m)
		if err != nil {
			return nil, fail(platforms.NotCreated, fmt.Errorf("media %d (%s): %w", i+1, m.Path, err))
		}
		files = append(files, file{path: dir + "/" + name, data: data})
		images = append(images, image{name: name, alt: m.Alt})
	}
	files = append(files, file{path: dir + "/" + DraftFile, data: s.page(p, images)})
	if err := s.write(ctx, dir, files); err != nil {
		return nil, err
	}
	return s.receipt(p, images), nil
}

func read(m platforms.Media) ([]byte, error) {
	if m.Open == nil {
		return nil, errors.New("no way to read it")
	}
	rc, err := m.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// write puts files into place under the account's lock: every one to a
// temporary file first, then each renamed, draft.html last. A failure
// before the first rename leaves the folder as it was (NotCreated); from
// the first rename on, Find tells whether the draft landed (Unknown).
func (s *Substack) write(ctx context.Context, dir string, files []file) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.root.MkdirAll(dir, 0o755); err != nil {
		return fail(platforms.NotCreated, fmt.Errorf("create %s: %w", dir, err))
	}
	var written []string
	cleanup := func() {
		for _, name := range written {
			_ = s.root.Remove(name)
		}
	}
	for _, f := range files {
		tmp := f.path + tmpSuffix
		if err := s.root.WriteFile(tmp, f.data, 0o644); err != nil {
			_ = s.root.Remove(tmp)
			cleanup()
			return fail(platforms.NotCreated, fmt.Errorf("write %s: %w", tmp, err))
		}
		written = append(written, tmp)
	}
	if err := ctx.Err(); err != nil {
		cleanup()
		return fail(platforms.NotCreated, err)
	}
	for i, f := range files {
		if err := s.root.Rename(written[i], f.path); err != nil {
			cleanup()
			return fail(platforms.Unknown, fmt.Errorf("replace %s: %w", f.path, err))
		}
	}
	for _, f := range files {
		if err := s.put(f); err != nil {
			return fail(platforms.Unknown, err)
		}
	}
	return nil
}

func (s *Substack) put(f file) error {
	if s.stage == nil {
		return nil
	}
	if err := s.stage(f.path, f.data, nil); err != nil {
		return fmt.Errorf("stage %s: %w", f.path, err)
	}
	return nil
}

// fail is a file error as the reconciler reads it: whether anything was
// written.
func fail(o platforms.Outcome, err error) error {
	return &platforms.APIError{Platform: Name, Outcome: o, Err: err}
}

// receipt is what a written draft records: the folder as its ID, the
// page in Extra, and what a person must do.
func (s *Substack) receipt(p *platforms.Payload, images []image) *platforms.Receipt {
	dir := s.Dir(p.PostID)
	return &platforms.Receipt{Provider: Name, IDs: []string{dir}, PublishedAt: s.now(),
		Extra: map[string]string{"draft": dir + "/" + DraftFile}, Manual: s.todo(dir, images)}
}

// todo says what a person does with the draft in dir.
func (s *Substack) todo(dir string, images []image) string {
	where := "a new Substack post"
	if s.publication != nil {
		where += " (" + s.publication.JoinPath("publish", "post").String() + ")"
	}
	msg := "open " + dir + "/" + DraftFile + " in a browser, copy its title, subtitle and body into " + where
	if len(images) > 0 {
		names := make([]string, len(images))
		for i, im := range images {
			names[i] = im.name
		}
		msg += ", upload the images beside it (" + strings.Join(names, ", ") + ")"
	}
	return msg + ", and publish it"
}

// page is draft.html: the title, subtitle and steps for the person, then
// the article to copy, marked with comments, images first.
func (s *Substack) page(p *platforms.Payload, images []image) []byte {
	subtitle, _ := p.Option("subtitle")
	esc := html.EscapeString
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n")
	fmt.Fprintf(&b, "<meta name=\"herald-post\" content=\"%s\">\n", esc(p.PostID))
	fmt.Fprintf(&b, "<meta name=\"herald-hash\" content=\"%s\">\n", esc(p.Hash))
	fmt.Fprintf(&b, "<title>%s</title>\n</head>\n<body>\n", esc(p.Title))
	b.WriteString("<section class=\"herald-steps\">\n")
	b.WriteString("<p>Substack has no publishing API: herald wrote this draft for you to publish by hand.</p>\n")
	fmt.Fprintf(&b, "<p><strong>Title:</strong> %s</p>\n", esc(p.Title))
	fmt.Fprintf(&b, "<p><strong>Subtitle:</strong> %s</p>\n", esc(subtitle))
	b.WriteString("<ol>\n")
	if s.publication != nil {
		u := s.publication.JoinPath("publish", "post").String()
		fmt.Fprintf(&b, "<li>Start a new post at <a href=\"%s\">%s</a>.</li>\n", esc(u), esc(u))
	} else {
		b.WriteString("<li>Start a new post on Substack.</li>\n")
	}
	b.WriteString("<li>Copy the title and subtitle above into its Title and Subtitle fields.</li>\n")
	b.WriteString("<li>Select the article below the line, copy it, and paste it into the post's body.</li>\n")
	if len(images) > 0 {
		b.WriteString("<li>Images pasted from a local file may not carry over: upload each one from this folder where it shows, with its alt text:<ul>\n")
		for _, im := range images {
			fmt.Fprintf(&b, "<li>%s: %s</li>\n", esc(im.name), esc(im.alt))
		}
		b.WriteString("</ul></li>\n")
	}
	fmt.Fprintf(&b, "<li>Publish it, then record its address: <code>herald resolve %s %s --published URL</code></li>\n", esc(p.PostID), esc(p.Target))
	b.WriteString("</ol>\n</section>\n<hr>\n<article>\n")
	for _, im := range images {
		fmt.Fprintf(&b, "<figure><img src=\"%s\" alt=\"%s\"></figure>\n", esc(url.PathEscape(im.name)), esc(im.alt))
	}
	b.WriteString("<!-- herald:body -->\n")
	b.WriteString(p.Parts[0].Text)
	if !strings.HasSuffix(p.Parts[0].Text, "\n") {
		b.WriteString("\n")
	}
	b.WriteString("<!-- /herald:body -->\n</article>\n</body>\n</html>\n")
	return []byte(b.String())
}

var (
	metaHash = regexp.MustCompile(`<meta name="herald-hash" content="([^"]*)">`)
	imgTag   = regexp.MustCompile(`<figure><img src="([^"]*)" alt="([^"]*)"></figure>`)
)

// Find reads the post's draft back: a draft.html whose recorded content
// hash is the payload's is the attempt, and is staged again (a run that
// wrote it and died before committing left it uncommitted). No draft, or
// one of another version of the post, is platforms.ErrNotFound: the
// attempt did not land, and writing it again replaces the files.
func (s *Substack) Find(ctx context.Context, p *platforms.Payload, _ platforms.Attempt) (*platforms.Receipt, error) {
	if s.root == nil {
		return nil, ErrNoRoot
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dir := s.Dir(p.PostID)
	page, err := s.root.ReadFile(dir + "/" + DraftFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("find: no draft at %s/%s: %w", dir, DraftFile, platforms.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("find: read %s/%s: %w", dir, DraftFile, err)
	}
	m := metaHash.FindSubmatch(page)
	if m == nil || html.UnescapeString(string(m[1])) != p.Hash {
		return nil, fmt.Errorf("find: the draft at %s/%s is of another version of the post: %w", dir, DraftFile, platforms.ErrNotFound)
	}
	var images []image
	for _, im := range imgTag.FindAllSubmatch(page, -1) {
		name, err := url.PathUnescape(html.UnescapeString(string(im[1])))
		if err != nil {
			return nil, fmt.Errorf("find: the draft at %s names an image %q that is not a file name", dir, im[1])
		}
		data, err := s.root.ReadFile(dir + "/" + name)
		if err != nil {
			return nil, fmt.Errorf("find: the draft at %s lacks its image %s: %w", dir, name, platforms.ErrNotFound)
		}
		if err := s.put(file{path: dir + "/" + name, data: data}); err != nil {
			return nil, fmt.Errorf("find: %w", err)
		}
		images = append(images, image{name: name, alt: html.UnescapeString(string(im[2]))})
	}
	if err := s.put(file{path: dir + "/" + DraftFile, data: page}); err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	return s.receipt(p, images), nil
}
