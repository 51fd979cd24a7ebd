package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/heraldhq/herald/internal/vcache"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/render"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// Repo is a content repository opened for reading: its files, seen
// through an os.Root so that no path or link leads outside it, or read
// from a commit (OpenRepoFS), and its configuration.
type Repo struct {
	Dir    string
	FS     fs.FS
	Config *schema.Config
	root   *os.Root
	// Commit is the commit FS reads, when the caller knows it; empty for
	// the work tree.
	Commit string
	// tree is set when FS is a commit's tree rather than the work tree.
	tree bool
	// closeFS closes FS, when it holds files open.
	closeFS func() error
}

// OpenRepo opens the repository at dir and loads its configuration. A
// configuration with problems is an error holding schema.Errors.
func OpenRepo(dir string) (*Repo, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open repository: %w", err)
	}
	fsys := root.FS()
	cfg, err := schema.LoadConfig(fsys)
	if err != nil {
		root.Close()
		return nil, err
	}
	return &Repo{Dir: dir, FS: fsys, Config: cfg, root: root}, nil
}

// OpenRepoFS opens the repository at dir with its configuration, posts
// and media read from fsys, a commit's tree (internal/gitfs), so that what
// is checked and published is what was committed, whatever the work tree
// holds. dir is still where caches are kept and where adapters that write
// into the repository (the feed) write. fsys must refuse paths and links
// that leave it, as gitfs does, and be safe for concurrent use; Close
// closes it when it is an io.Closer.
func OpenRepoFS(dir string, fsys fs.FS) (*Repo, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open repository: %w", err)
	}
	cfg, err := schema.LoadConfig(fsys)
	if err != nil {
		root.Close()
		return nil, err
	}
	r := &Repo{Dir: dir, FS: fsys, Config: cfg, root: root, tree: true}
	if c, ok := fsys.(io.Closer); ok {
		r.closeFS = c.Close
	}
	return r, nil
}

// Close releases the repository's root, and its files' FS when it holds
// files open.
func (r *Repo) Close() error {
	err := r.root.Close()
	if r.closeFS != nil {
		err = errors.Join(err, r.closeFS())
	}
	return err
}

// Root is the repository's os.Root, for writing inside it.
func (r *Repo) Root() *os.Root { return r.root }

// Prepared is one post parsed, rendered for each of its targets, measured
// and validated: everything validate, preview, plan and apply know of it.
type Prepared struct {
	File    string
	Post    *schema.Post // nil when the file could not be read as a post
	Outputs []*render.Output
	Errors  schema.Errors
	Summary *schema.Summary
	// URLs are the published URLs of the post's targets its placeholders
	// were filled with (PrepareWith); placeholders of targets not in it
	// hold stand-ins (StandInURL).
	URLs map[string]string
	// tagged holds, for each target whose links carry UTM parameters,
	// the post as that target receives it (render.TagLinks).
	tagged map[string]*schema.Post
	// Texts are a recurring post's outputs with each of its texts
	// (repeat.texts) as the body: Texts[i] with texts[i], one output
	// per target, in the order of Outputs.
	Texts [][]*render.Output
	// taggedTexts holds, for each of Texts, the post as a target whose
	// links carry UTM parameters receives it with that text.
	taggedTexts []map[string]*schema.Post
}

// PostFor returns the post as target receives it: with its own links
// tagged with UTM parameters when the configuration says so, Post
// otherwise. Outputs are rendered from it, and a target's options (a
// link to share, a first comment) are read from it.
func (p *Prepared) PostFor(target string) *schema.Post {
	if q := p.tagged[target]; q != nil {
		return q
	}
	if in, ok := p.Post.Instance(target); ok {
		return p.Post.WithVariant(in.Variant)
	}
	return p.Post
}

// Valid reports whether the post has no error (warnings allowed).
func (p *Prepared) Valid() bool { return p.Post != nil && !p.Errors.HasErrors() }

// Output returns the rendering for a target, or nil.
func (p *Prepared) Output(target string) *render.Output {
	for _, o := range p.Outputs {
		if o.Target == target {
			return o
		}
	}
	return nil
}

// OutputText returns the rendering an instance of a target receives:
// key is its target key ("x#3" reaches account x), text the post's text
// it is sent with (Action.Text: 0 the body, i its repeat.texts[i-1]);
// nil when there is none.
func (p *Prepared) OutputText(key string, text int) *render.Output {
	// An occurrence ("x#3") has its account's output; a variant's
	// instance ("x~b") one of its own.
	base, _, _ := strings.Cut(key, state.OccurrenceSep)
	if text < 1 || text > len(p.Texts) {
		return p.Output(base)
	}
	for _, o := range p.Texts[text-1] {
		if o.Target == base {
			return o
		}
	}
	return nil
}

// Prepare parses, renders and validates one post file with v. The
// validator is not safe for concurrent use: one per goroutine.
//
// Every {{url "T"}} placeholder is measured with a stand-in for T's URL
// (StandInURL): the post is validated before T is published.
func (r *Repo) Prepare(v *schema.Validator, file string) *Prepared {
	return r.PrepareWith(v, file, nil)
}

// PrepareWith is Prepare with the published URLs of the post's targets,
// for apply: placeholders of the targets urls holds are filled with their
// URLs, rendered and validated as if written there (an over-long text is
// an error now), and Payload gives blog copies their canonical_url. The
// Summary stays the one made with stand-ins, whose hashes the plan
// compares.
func (r *Repo) PrepareWith(v *schema.Validator, file string, urls map[string]string) *Prepared {
	data, errs := schema.ReadPost(r.FS, file)
	if errs != nil {
		return &Prepared{File: file, Errors: errs}
	}
	out := r.prepare(v, r.FS, file, data)
	if len(urls) == 0 || out.Post == nil || !out.Valid() {
		return out
	}
	if len(out.Post.Waits) == 0 {
		// Nothing to fill: the URLs serve canonical_url alone.
		out.URLs = urls
		return out
	}
	filled := r.prepareFilled(v, r.FS, file, data, urls)
	filled.Summary, filled.URLs = out.Summary, urls
	return filled
}

// prepare is Prepare on data, the file's bytes, reading media through
// fsys (the repository's files).
func (r *Repo) prepare(v *schema.Validator, fsys fs.FS, file string, data []byte) *Prepared {
	return r.prepareFilled(v, fsys, file, data, nil)
}

// prepareFilled is prepare with the placeholders of the targets in urls
// filled with their URLs, and stand-ins for the others.
func (r *Repo) prepareFilled(v *schema.Validator, fsys fs.FS, file string, data []byte, urls map[string]string) *Prepared {
	out := &Prepared{File: file}
	p, errs := schema.ParsePost(r.Config, file, data)
	out.Errors = errs
	if p == nil {
		return out
	}
	out.Post = p
	out.Errors = append(out.Errors, schema.ResolveMedia(fsys, r.Config, p)...)
	if len(p.Waits) > 0 {
		p.FillURLs(standIns(r.Config, p, urls))
	}
	rendered := make([]schema.Rendered, 0, len(p.To))
	var byVariant map[*schema.Variant][]schema.Rendered // what each variant sends, for its own check
	var rr render.Renderer                              // shares a text's segmentation between targets
	defer rr.Release()
	var tags map[string]tagged
	for _, in := range p.Instances() {
		view := p.WithVariant(in.Variant)
		lim := v.Limits(in.Target)
		src, tg := tagLinks(r.Config, view, in.Target)
		o, err := rr.Render(src, in.Target, lim)
		if err != nil {
			out.Errors = append(out.Errors, schema.Errorf(in.Target.Pos, "to", "%v", err))
			continue
		}
		// Rendered for the account, the output is known by the
		// instance's key.
		rd := o.Rendered()
		o.Target = in.Key
		if src != view {
			// Plans compare the hash of what the target would receive
			// without the tags, so that adding or changing utm settings
			// alone never turns into edits of published posts.
			hash := TargetHash(p, o)
			if plain, err := rr.Render(view, in.Target, lim); err == nil {
				plain.Target = in.Key
				hash = TargetHash(p, plain)
			}
			if tags == nil {
				tags, out.tagged = map[string]tagged{}, map[string]*schema.Post{}
			}
			tags[in.Key] = tagged{hash: hash, query: tg.Query()}
			out.tagged[in.Key] = src
		}
		out.Outputs = append(out.Outputs, o)
		if in.Variant == nil {
			rendered = append(rendered, rd)
			continue
		}
		if byVariant == nil {
			byVariant = map[*schema.Variant][]schema.Rendered{}
		}
		byVariant[in.Variant] = append(byVariant[in.Variant], rd)
	}
	out.Errors = append(out.Errors, duplicateInstances(p, out.Outputs)...)
	out.Errors = append(out.Errors, untitledVariants(p, out.Outputs)...)
	base := v.Validate(p, rendered)
	out.Errors = append(out.Errors, covered(out.Errors, base)...)
	for _, va := range p.Variants {
		// Each variant is checked as the post it sends, against the
		// limits of each account it goes to; a finding the post as
		// written has too is reported once, as the post's.
		for _, e := range v.Validate(p.WithVariant(va), byVariant[va]) {
			if !slices.ContainsFunc(base, func(b *schema.Error) bool { return *b == *e }) {
				out.Errors = append(out.Errors, va.Explain(e))
			}
		}
	}
	var textsTags []map[string]tagged
	for i := range p.Texts {
		// Each text of a recurring post is rendered and validated as
		// its body, with findings at the text, its links tagged as the
		// body's are. (A recurring post has no variants: its instances
		// are its targets.)
		pv := p.WithText(i + 1)
		var outs []*render.Output
		var textTags map[string]tagged
		var taggedPosts map[string]*schema.Post
		rendered = rendered[:0]
		for _, t := range p.To {
			lim := v.Limits(t)
			src, tg := tagLinks(r.Config, pv, t)
			o, err := rr.Render(src, t, lim)
			if err != nil {
				out.Errors = append(out.Errors, schema.Errorf(t.Pos, "to", "%v", err))
				continue
			}
			if src != pv {
				hash := TargetHash(pv, o)
				if plain, err := rr.Render(pv, t, lim); err == nil {
					hash = TargetHash(pv, plain)
				}
				if textTags == nil {
					textTags, taggedPosts = map[string]tagged{}, map[string]*schema.Post{}
				}
				textTags[t.Name] = tagged{hash: hash, query: tg.Query()}
				taggedPosts[t.Name] = src
			}
			outs = append(outs, o)
			rendered = append(rendered, o.Rendered())
		}
		out.Errors = append(out.Errors, covered(out.Errors, v.Validate(pv, rendered))...)
		out.Texts = append(out.Texts, outs)
		out.taggedTexts = append(out.taggedTexts, taggedPosts)
		textsTags = append(textsTags, textTags)
	}
	out.Errors = dedupe(out.Errors)
	out.Summary = summaryOf(p, out.Outputs, tags, out.Texts, textsTags)
	return out
}

// refusesDuplicates are the platforms that refuse a post whose text the
// account already posted: X answers 403 "You are not allowed to create a
// Tweet with duplicate content" (platforms/x).
var refusesDuplicates = map[string]bool{render.PlatformX: true}

// duplicateInstances finds instances of a post (variants sent at their
// own time) that would send one account of such a platform the text
// another instance sends it: the platform would refuse the second.
func duplicateInstances(p *schema.Post, outs []*render.Output) schema.Errors {
	if len(p.Variants) == 0 {
		return nil
	}
	var errs schema.Errors
	first := map[string]string{} // account + text -> the key that sends it
	for _, o := range outs {
		if !refusesDuplicates[o.Platform] || len(o.Parts) == 0 {
			continue
		}
		k := state.AccountOf(o.Target) + "\x00" + o.Parts[0].Text
		other, dup := first[k]
		if !dup {
			first[k] = o.Target
			continue
		}
		in, _ := p.Instance(o.Target)
		if in.Variant == nil {
			continue
		}
		errs = append(errs, schema.Errorf(p.PosOf(in.Variant.Path()), in.Variant.Path(),
			"variant %s would send %s the text %s already sends it, and %s refuses a post it already has: give the variant a text of its own",
			in.Variant.Name, state.AccountOf(o.Target), other, render.PlatformName(o.Platform)))
	}
	return errs
}

// untitledVariants finds variants that change only the title, given
// instead of the post to an account whose platform shows no title (X,
// Mastodon, LinkedIn...): they would send what the post sends, and the
// test would compare a thing with itself. (A title-only variant at a
// time of its own still tests the time.)
func untitledVariants(p *schema.Post, outs []*render.Output) schema.Errors {
	var errs schema.Errors
	for _, o := range outs {
		in, _ := p.Instance(o.Target)
		v := in.Variant
		if v == nil || v.Timed() || v.Title == nil || v.Text != nil || v.HasMedia || o.Title != "" {
			continue
		}
		field := v.Path() + ".title"
		errs = append(errs, schema.Errorf(p.PosOf(field), field,
			"%s shows no title, so variant %s would send %s what the post sends: give the variant a text (its first line is the headline there), or leave %s out of its to:",
			render.PlatformName(o.Platform), v.Name, in.Target.Name, in.Target.Name))
	}
	return errs
}

// covered returns the CUE findings that the parser's findings do not
// already make: the parser reads a bad date or an unknown target first,
// with a hint, and CUE would report the same value again at the same
// field. Every other CUE finding is kept, several at one place included.
func covered(parsed, cue schema.Errors) schema.Errors {
	type key struct {
		file, field string
		line, col   int
	}
	seen := make(map[key]bool, len(parsed))
	for _, e := range parsed {
		seen[key{e.File, e.Field, e.Line, e.Column}] = true
	}
	out := cue[:0]
	for _, e := range cue {
		if !seen[key{e.File, e.Field, e.Line, e.Column}] {
			out = append(out, e)
		}
	}
	return out
}

// dedupe drops identical findings and sorts the rest.
func dedupe(errs schema.Errors) schema.Errors {
	if len(errs) == 0 {
		return nil
	}
	errs.Sort()
	out := errs[:0]
	for i, e := range errs {
		if i > 0 && *e == *errs[i-1] {
			continue
		}
		out = append(out, e)
	}
	return out
}

// summaryOf is what plans need of a prepared post. tags holds the
// untagged hash and the query of each target whose links carry UTM
// parameters, textsTags the same for each of a recurring post's texts.
func summaryOf(p *schema.Post, outs []*render.Output, tags map[string]tagged, texts [][]*render.Output, textsTags []map[string]tagged) *schema.Summary {
	s := &schema.Summary{ID: p.ID, File: p.File, Hash: p.Hash, PublishAt: p.PublishAt, PublishNext: p.PublishNext, Queue: p.Queue,
		Draft: p.Draft, Delete: p.Delete, Campaign: p.Campaign, Title: p.Title, IDPos: p.IDPos(), Repeat: p.Repeat}
	for _, o := range outs {
		in, _ := p.Instance(o.Target)
		acct := in.Target.Name
		ts := schema.TargetSummary{Name: o.Target, Platform: o.Platform,
			After: p.Waits[acct].After, URLs: urlRefs(p, acct, o.Platform), Variant: in.VariantName(p)}
		if in.Variant != nil && in.Variant.PublishAt != nil {
			ts.PublishAt = in.Variant.PublishAt
		}
		if tg, ok := tags[o.Target]; ok {
			ts.Hash, ts.UTM = tg.hash, tg.query
		} else {
			ts.Hash = TargetHash(p, o)
		}
		if p.Repeat != nil {
			ts.Words = append(ts.Words, WordsHash(o))
			for i, outs := range texts {
				for _, ot := range outs {
					if ot.Target != o.Target {
						continue
					}
					if tg, ok := textsTags[i][o.Target]; ok {
						ts.Texts = append(ts.Texts, tg.hash)
					} else {
						ts.Texts = append(ts.Texts, TargetHash(p.WithText(i+1), ot))
					}
					ts.Words = append(ts.Words, WordsHash(ot))
				}
			}
		}
		s.Targets = append(s.Targets, ts)
	}
	return s
}

// WordsHash identifies the text a target receives, alone: its parts'
// texts. Two occurrences of a recurring post with equal WordsHash say
// the same thing, which platforms that refuse a repeated text (X) tell.
func WordsHash(o *render.Output) string {
	h := sha256.New()
	for _, pt := range o.Parts {
		h.Write([]byte(pt.Text))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TargetHash identifies exactly what a target receives: its text, facets,
// title, HTML, media (bytes and alt text) and options. Equal hashes mean a
// platform would receive the same post, so a change to one target's
// override changes that target's hash alone.
//
// o.Target is an instance's key (schema.Post.Instances): the hash is of
// the post as that instance's variant sends it, with its account's
// options.
func TargetHash(p *schema.Post, o *render.Output) string {
	if in, ok := p.Instance(o.Target); ok {
		p = p.WithVariant(in.Variant)
	}
	account := state.AccountOf(o.Target)
	v := targetView{Platform: o.Platform, Title: o.Title, HTML: o.HTML, Tags: p.Tags}
	if len(o.Parts) > 0 {
		v.Parts = make([]render.Part, 0, len(o.Parts))
	}
	for _, pt := range o.Parts {
		pt.Line = 0 // moving text down the file changes nothing sent
		v.Parts = append(v.Parts, pt)
	}
	if len(p.Media) > 0 {
		v.Media = make([]targetMedia, 0, len(p.Media))
	}
	for _, m := range p.Media {
		v.Media = append(v.Media, targetMedia{m.Hash, m.Alt, m.Type})
	}
	if ov := p.Overrides[account]; ov != nil {
		v.Options = ov.Extra
	}
	return v.hash()
}

// CheckOptions tunes Check.
type CheckOptions struct {
	// Workers is how many posts are checked at once (default GOMAXPROCS).
	Workers int
	// CacheKey, when not empty, enables the validation cache: it names
	// the build of herald, since a new renderer may count differently.
	CacheKey string
	// Keep keeps every post's Prepared (for preview); otherwise only
	// summaries and errors are kept, so memory stays flat on large trees.
	Keep bool
}

// newValidator compiles the schema for Check; tests count its calls.
var newValidator = schema.NewValidator

// checkMemoryLimit is the soft heap limit while checking (see Check).
const checkMemoryLimit = 384 << 20

// A check starts with a lower soft limit, checkMemoryLimitSmall, and
// raises it to checkMemoryLimit once it has met bigTree posts: a small
// tree, even of one hostile post (a 1 MiB body of links rendered for a
// dozen accounts), then stays within 200 MB, while a large one keeps the
// room it needs to go fast.
const (
	checkMemoryLimitSmall = 160 << 20
	bigTree               = 2000
)

// Report is what checking a whole repository found.
type Report struct {
	Summaries []schema.Summary // every post that could be read, in file order
	Errors    schema.Errors
	Prepared  []*Prepared // with CheckOptions.Keep
	Files     int
	Cached    int
}

// Valid reports whether the tree has no error: nothing may be published
// from an invalid tree.
func (r *Report) Valid() bool { return !r.Errors.HasErrors() }

// Check validates every post of the repository, in parallel, with each
// worker's own CUE context, using the cache for files that did not change.
func (r *Repo) Check(ctx context.Context, opts CheckOptions) (*Report, error) {
	// CUE allocates much and keeps little: collecting less often is
	// faster, and the heap stays small because nothing is hoarded.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	// ... but not without bound: a soft limit makes the collector work
	// harder as the heap nears it, so a 100,000-post tree stays within
	// its memory budget while small trees keep the fast setting.
	// A lower limit the user set (GOMEMLIMIT) is kept.
	raise := func() {}
	if prev := debug.SetMemoryLimit(-1); prev > checkMemoryLimit {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(checkMemoryLimitSmall))
		raise = func() { debug.SetMemoryLimit(checkMemoryLimit) }
	} else if prev > checkMemoryLimitSmall {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(checkMemoryLimitSmall))
		raise = func() { debug.SetMemoryLimit(prev) }
	}

	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// The schema is compiled by each worker when it first meets a post
	// the cache does not answer for: a tree the cache answers for whole
	// compiles nothing, its verdicts having been made by a Validator of
	// the same sources (the key says so).
	var cache *vcache.Cache
	if opts.CacheKey != "" {
		key := schema.SchemaKey(r.Config) + "/" + opts.CacheKey
		if r.tree {
			cache = vcache.OpenTree(r.root, key)
		} else {
			cache = vcache.Open(r.root, key)
		}
	}
	var compiled atomic.Bool

	// The walk feeds the workers as it finds files; results keep the
	// walk's order.
	type result struct {
		entry    vcache.Entry
		prepared *Prepared
		cached   bool
	}
	type job struct {
		file string
		res  *result
	}
	var results []*result
	jobs := make(chan job, 2*workers)
	verrs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var v *schema.Validator
			fsys := r.FS
			if !r.tree {
				d := newDirFS(r.root, r.FS)
				defer d.Close()
				fsys = d
			}
			lookup := func(file, sum string) (vcache.Entry, bool) {
				if cache == nil || opts.Keep {
					return vcache.Entry{}, false
				}
				return cache.Lookup(fsys, file, sum)
			}
			for j := range jobs {
				file, res := j.file, j.res
				// A commit's tree names a post's content without reading
				// it: an unchanged post is not even read.
				var sum string
				if r.tree {
					if id, ok := vcache.ContentID(fsys, file); ok {
						sum = id
						if e, ok := lookup(file, sum); ok {
							*res = result{entry: e, cached: true}
							continue
						}
					}
				}
				data, rerrs := schema.ReadPost(fsys, file)
				if rerrs != nil {
					*res = result{entry: vcache.Entry{Errors: rerrs}}
					continue
				}
				if sum == "" && cache != nil { // without a cache, nothing needs the sum
					sum = vcache.Sum(data)
					if e, ok := lookup(file, sum); ok {
						*res = result{entry: e, cached: true}
						continue
					}
				}
				if v == nil {
					compiled.Store(true)
					if v, verrs[w] = newValidator(r.Config); verrs[w] != nil {
						for range jobs {
						}
						return
					}
				}
				p := r.prepare(v, fsys, file, data)
				if err := v.Err(); err != nil {
					// An evaluation went past its limits: the check stops
					// there, and its verdict is not cached.
					verrs[w] = err
					for range jobs {
					}
					return
				}
				e := vcache.Entry{Sum: sum, Summary: p.Summary, Errors: p.Errors}
				if p.Post != nil && cache != nil { // what the media were, for the cache only
					paths := make([]string, 0, len(p.Post.Media))
					for _, m := range p.Post.Media {
						if m.Path != "" {
							paths = append(paths, m.Path)
						}
					}
					e.Deps = vcache.StatDeps(fsys, paths)
				}
				if cache != nil {
					cache.Store(file, e)
				}
				*res = result{entry: e}
				if opts.Keep {
					res.prepared = p
				}
			}
		}(w)
	}
	walked := r.FS
	if !r.tree {
		walked = newWalkFS(r.root, r.FS)
	}
	werr := schema.Walk(ctx, walked, r.Config, func(file string) error {
		res := &result{}
		results = append(results, res)
		if len(results) == bigTree {
			raise()
		}
		select {
		case jobs <- job{file, res}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The schema's errors come first, as when it was compiled before
	// the walk.
	for _, err := range verrs {
		if err != nil {
			return nil, err
		}
	}
	if !compiled.Load() && !slices.ContainsFunc(results, func(r *result) bool { return r.cached }) {
		// No post was checked, none by the cache either (a tree without
		// posts, none readable, or a walk that failed): the schema's
		// errors are still the check's.
		if _, err := newValidator(r.Config); err != nil {
			return nil, err
		}
	}
	if werr != nil {
		var pe *schema.Error
		if errors.As(werr, &pe) {
			return &Report{Errors: schema.Errors{pe}}, nil
		}
		return nil, werr
	}

	// Most files give a summary: the list is sized once for them.
	rep := &Report{Files: len(results), Summaries: make([]schema.Summary, 0, len(results))}
	var ids schema.IDIndex
	for _, res := range results {
		if res.cached {
			rep.Cached++
		}
		rep.Errors = append(rep.Errors, res.entry.Errors...)
		if s := res.entry.Summary; s != nil {
			rep.Summaries = append(rep.Summaries, *s)
			if e := ids.AddID(s.ID, s.File, s.IDPos); e != nil {
				rep.Errors = append(rep.Errors, e)
			}
		}
		if res.prepared != nil {
			rep.Prepared = append(rep.Prepared, res.prepared)
		}
	}
	if len(rep.Summaries) == 0 {
		rep.Summaries = nil // as before it was sized
	}
	rep.Errors = dedupe(rep.Errors)
	if cache != nil {
		if err := cache.Save(); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// dirFS is the repository's files as one worker reads them: through
// os.Roots opened on the last few directories it read from, so that
// reading posts/2026/05/launch.md walks one name rather than four
// directories and a name. Whatever a directory's root cannot open or
// stat (a link out of the directory, a directory that is a link out of
// the repository) is asked of the repository's root, which gives the
// answer and the error it always gave. Not safe for concurrent use.
type dirFS struct {
	root *os.Root
	fsys fs.FS // root.FS()
	dirs [4]struct {
		name string
		root *os.Root // nil when the directory could not be opened
		used int
	}
	clock int
}

var _ fs.StatFS = (*dirFS)(nil)

func newDirFS(root *os.Root, fsys fs.FS) *dirFS { return &dirFS{root: root, fsys: fsys} }

// at returns the root of name's directory and name within it, or nil.
func (d *dirFS) at(name string) (*os.Root, string) {
	if !fs.ValidPath(name) {
		return nil, ""
	}
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return nil, ""
	}
	dir, base := name[:i], name[i+1:]
	d.clock++
	oldest := 0
	for j := range d.dirs {
		e := &d.dirs[j]
		if e.used > 0 && e.name == dir {
			e.used = d.clock
			return e.root, base
		}
		if e.used < d.dirs[oldest].used {
			oldest = j
		}
	}
	e := &d.dirs[oldest]
	if e.root != nil {
		e.root.Close()
	}
	e.name, e.used, e.root = dir, d.clock, nil
	if sub, err := d.root.OpenRoot(dir); err == nil {
		e.root = sub
	}
	return e.root, base
}

// Open opens name.
func (d *dirFS) Open(name string) (fs.File, error) {
	if sub, base := d.at(name); sub != nil {
		if f, err := sub.Open(base); err == nil {
			return f, nil
		}
	}
	return d.fsys.Open(name)
}

// Stat describes name, following links.
func (d *dirFS) Stat(name string) (fs.FileInfo, error) {
	if sub, base := d.at(name); sub != nil {
		if fi, err := sub.Stat(base); err == nil {
			return fi, nil
		}
	}
	return fs.Stat(d.fsys, name)
}

// Close closes the directories' roots.
func (d *dirFS) Close() {
	for j := range d.dirs {
		if d.dirs[j].root != nil {
			d.dirs[j].root.Close()
			d.dirs[j].root = nil
		}
	}
}

// Payload builds what a target receives for a prepared post: the shared
// rendering, the media with openers over the repository, the target's
// options and, for a blog copy, its canonical URL. Its Hash is the
// target's hash, the one plans compare (FilledHash of it when the target
// receives other targets' URLs). A target that receives the URL of a
// target p.URLs does not hold is an error: it would publish a stand-in.
func (r *Repo) Payload(p *Prepared, target string) (*platforms.Payload, error) {
	return r.PayloadText(p, target, 0)
}

// PayloadText is Payload for one instance of a target: key is the
// target's key in state (the account, or an occurrence of a recurring
// post on it, "x#3"), and text which of the post's texts it receives (0
// the body, i its texts[i-1]; Action.Text).
func (r *Repo) PayloadText(p *Prepared, key string, text int) (*platforms.Payload, error) {
	if !p.Valid() {
		return nil, fmt.Errorf("%s is not valid: %w", p.File, p.Errors)
	}
	// An occurrence of a recurring post ("x#3") sends its account's
	// output; a variant's instance ("x~b") has an output of its own.
	base, _, _ := strings.Cut(key, state.OccurrenceSep)
	target := state.AccountOf(key)
	o := p.Output(base)
	if o == nil {
		return nil, fmt.Errorf("%s has no target %q", p.File, base)
	}
	post := p.PostFor(base)
	hash := TargetHash(p.Post, o)
	if text > 0 {
		if text > len(p.Texts) {
			return nil, fmt.Errorf("%s has %d texts under repeat, and %s was to receive text %d: run plan again", p.File, len(p.Texts), key, text)
		}
		post = p.Post.WithText(text)
		if q := p.taggedTexts[text-1][base]; q != nil {
			post = q
		}
		for _, ot := range p.Texts[text-1] {
			if ot.Target == base {
				o = ot
			}
		}
		hash = TargetHash(p.Post.WithText(text), o)
	}
	var refs []string
	if p.Summary != nil {
		for _, t := range p.Summary.Targets {
			if t.Name == base {
				hash, refs = t.Hash, t.URLs
				if text > 0 && text <= len(t.Texts) {
					hash = t.Texts[text-1]
				}
			}
		}
	}
	for _, ref := range refs {
		if p.URLs[ref] == "" {
			return nil, fmt.Errorf("%s of %s needs the published URL of %s, which state does not record", key, p.File, ref)
		}
	}
	pl := &platforms.Payload{PostID: post.ID, Target: key, Platform: o.Platform, Title: o.Title, HTML: o.HTML,
		Markdown: post.Markdown, Tags: post.Tags, Hash: FilledHash(hash, refs, p.URLs)}
	if c := canonicalSource(post, target, o.Platform); c != "" {
		pl.CanonicalURL = p.URLs[c]
	} else if ov := post.Overrides[target]; ov != nil && render.IsBlog(o.Platform) {
		pl.CanonicalURL, _ = ov.Extra["canonical_url"].(string)
	}
	for _, pt := range o.Parts {
		part := platforms.Part{Text: pt.Text}
		for _, f := range pt.Facets {
			part.Facets = append(part.Facets, platforms.Facet{Start: f.Start, End: f.End, Type: platforms.FacetType(f.Type), Value: f.Value})
		}
		pl.Parts = append(pl.Parts, part)
	}
	for _, m := range post.Media {
		path := m.Path
		pl.Media = append(pl.Media, platforms.Media{Path: path, Alt: m.Alt, Type: m.Type, Size: m.Size,
			Duration: m.Duration, Width: m.Width, Height: m.Height,
			Open: func() (io.ReadCloser, error) { return r.FS.Open(path) }})
	}
	if ov := post.Overrides[target]; ov != nil && len(ov.Extra) > 0 {
		pl.Options = ov.Extra
	}
	if ov := post.Overrides[target]; ov != nil && ov.Text != nil {
		// The target's own text replaces the body for platforms that
		// take Markdown (dev.to), as it does in the rendered parts.
		pl.Markdown = *ov.Text
	}
	return pl, nil
}
