package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
)

// recycleEvery is how many posts a Validator checks in one CUE context
// before it compiles the schema again in a fresh one. A context keeps a
// little of every value built in it; recycling keeps memory flat over any
// number of posts for the cost of one compile (about a millisecond).
const recycleEvery = 1000

// Validator checks posts against the built-in post schema, the accounts of
// a configuration and the repository's policies, all compiled in its own
// CUE context.
//
// A Validator is not safe for concurrent use: CUE values are not safe
// across goroutines. Run one Validator per worker.
type Validator struct {
	cfg    *Config
	source string // the CUE text compiled: the post schema and the accounts
	hash   string

	ctx    *cue.Context
	check  cue.Value // #Check with the policies
	post   cue.Value // #Post with the policies, for the names of its fields
	limits cue.Value // #resolved: the limits table, every default taken
	uses   int
	// fast passes the posts that are surely valid without CUE; nil when
	// the configuration has policies.
	fast *fastChecker

	limitCache map[string]Limits
	rowCache   map[string]platformLimit
	// broken is set when an evaluation went past its limits: its
	// goroutine may still run in the context, which is not used again.
	broken error
}

// NewValidator compiles the schema for cfg: the embedded post schema, the
// override keys and target names its accounts allow, and the policies and
// limit changes of its herald.cue (or herald.yaml).
//
// Policies are the `post:` field of herald.cue: a CUE struct unified with
// every post, which may name every front-matter key, `rendered` (what each
// target would receive, measured) and `#targets` (each target's platform):
//
//	post: tags: [_, ...] // every post has a tag
//	post: {
//		#targets: _ // LinkedIn posts need a first comment
//		for name, platform in #targets if platform == "linkedin" {
//			(name): first_comment!: string
//		}
//	}
//	post: title: =~"^[A-Z]" | error("titles start with a capital letter")
//
// Policies iterate #targets rather than rendered: a comprehension over a
// field that holds an error yields nothing, so a too-long render would
// hide the policy's own finding. `limits:` in the configuration changes
// entries of the built-in limits table (`limits: mastodon: length: 1000`).
func NewValidator(cfg *Config) (*Validator, error) {
	v := &Validator{cfg: cfg}
	var err error
	if gerr := guard(v.configName(), func() { err = v.resolve() }); gerr != nil {
		return nil, gerr
	}
	if err != nil {
		return nil, err
	}
	v.hash = SchemaKey(cfg)
	if err := v.guardedCompile(); err != nil {
		return nil, err
	}
	return v, nil
}

// configName names the configuration in messages: its file, or the
// built-in schema when there is none.
func (v *Validator) configName() string {
	if v.cfg.File != "" {
		return v.cfg.File
	}
	return "the built-in schema"
}

// guardedCompile is compile within the evaluation limits.
func (v *Validator) guardedCompile() error {
	var err error
	if gerr := guard(v.configName(), func() { err = v.compile() }); gerr != nil {
		v.broken = gerr
		return gerr
	}
	return err
}

// Err is the evaluation limit the Validator went past, which left it
// unusable, or nil. Every Validate after that reports it.
func (v *Validator) Err() error { return v.broken }

// SchemaHash identifies everything a verdict depends on besides the post:
// the embedded schemas and the configuration. A cache of verdicts keyed by
// content hash and SchemaHash is never stale. It is SchemaKey(cfg).
func (v *Validator) SchemaHash() string { return v.hash }

// SchemaKey is the SchemaHash of a Validator of cfg, without compiling
// one: the hash of what the schema is compiled from (the embedded
// schemas, the accounts, the configuration's file name and bytes), which
// determine it. A check whose every post the cache answers under this key
// compiles nothing: the verdicts were made by a Validator compiled from
// the same sources.
func SchemaKey(cfg *Config) string {
	h := sha256.New()
	for _, s := range []string{postCUE, accountsCUE(cfg), checkCUE, configCUE, platformsCUE(), cfg.File} {
		fmt.Fprintf(h, "%d:%s", len(s), s)
	}
	h.Write(cfg.Source)
	return hex.EncodeToString(h.Sum(nil))
}

// resolve takes the defaults of the limits table, with the configuration's
// changes, and writes them out as #resolved: the source compile uses.
func (v *Validator) resolve() error {
	ctx := cuecontext.New()
	src := postCUE + accountsCUE(v.cfg) + checkCUE
	base := ctx.CompileString(src, cue.Filename("post.cue"))
	if err := base.Err(); err != nil {
		return fmt.Errorf("compile post schema: %w", err)
	}
	raw, err := v.config(ctx, base)
	if err != nil {
		return err
	}
	if l := raw.LookupPath(cue.ParsePath("limits")); l.Exists() {
		base = base.FillPath(cue.MakePath(cue.Def("#limits")), l)
	}
	var table map[string]map[string]any
	if err := base.LookupPath(cue.MakePath(cue.Def("#limits"))).Decode(&table); err != nil {
		return fmt.Errorf("resolve limits: %w", err)
	}
	var b strings.Builder
	b.WriteString(src)
	b.WriteString("\n#resolved: {\n")
	for _, p := range sortedKeys(table) {
		e := table[p]
		fmt.Fprintf(&b, "\t%s: {", strconv.Quote(p))
		for i, k := range sortedKeys(e) {
			if i > 0 {
				b.WriteString(", ")
			}
			val, _ := json.Marshal(e[k])
			fmt.Fprintf(&b, "%s: %s", k, val)
		}
		b.WriteString("}\n")
	}
	b.WriteString("}\n")
	v.source = b.String()
	return nil
}

// config compiles the configuration in ctx with base in scope, or returns
// an absent value when there is none.
func (v *Validator) config(ctx *cue.Context, base cue.Value) (cue.Value, error) {
	if v.cfg.File == "" || len(v.cfg.Source) == 0 {
		return cue.Value{}, nil
	}
	raw, errs := compileConfig(ctx, base, v.cfg.File, v.cfg.Source)
	if errs != nil {
		return raw, fmt.Errorf("compile config: %w", errs)
	}
	return raw, nil
}

// compile builds the schema in a fresh context.
func (v *Validator) compile() error {
	ctx := cuecontext.New()
	base := ctx.CompileString(v.source, cue.Filename("post.cue"))
	if err := base.Err(); err != nil {
		return fmt.Errorf("compile post schema: %w", err)
	}
	raw, err := v.config(ctx, base)
	if err != nil {
		return err
	}
	check := base.LookupPath(cue.MakePath(cue.Def("#Check")))
	var policy cue.Value
	if raw.Exists() {
		policy = raw.LookupPath(cue.ParsePath("post"))
	}
	if policy.Exists() {
		check = check.FillPath(cue.ParsePath("post"), policy)
	}
	if err := check.Err(); err != nil {
		return configErrors(err, v.cfg.File, cue.Value{}, cue.Value{})
	}
	v.ctx, v.check, v.uses = ctx, check, 0
	v.post = check.LookupPath(cue.ParsePath("post"))
	v.fast = nil
	if !policy.Exists() {
		v.fast = newFastChecker(ctx, v.post)
	}
	v.limits = base.LookupPath(cue.MakePath(cue.Def("#resolved")))
	if err := v.limits.Err(); err != nil {
		return fmt.Errorf("compile limits: %w", err)
	}
	v.limitCache = map[string]Limits{}
	v.rowCache = map[string]platformLimit{}
	return nil
}

// checkCUE and docCUE are the two readings of `to` and `publish_at`.
// Validation checks only their kinds (Go has already read their values:
// each target against the accounts, each time against the zone, with
// messages CUE could not give), because a disjunction per post is the
// costliest thing CUE evaluates; Validate makes a single target a list of
// one. The JSON Schema for editors states them in full.
const (
	checkCUE = "\n#To: [...string]\n#PublishAt: string\n"
	docCUE   = "\n#To: #Target | [#Target, ...#Target]\n" +
		`#PublishAt: =~"^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:[0-9]{2})?)?$" | "next"` + "\n"
)

// accountsCUE is the part of the schema that the accounts decide: which
// names `to:` takes, which override keys a post may have, and each
// account's platform and length.
func accountsCUE(cfg *Config) string {
	if len(cfg.Accounts) == 0 {
		return ""
	}
	var b strings.Builder
	names := sortedKeys(cfg.Accounts)
	b.WriteString("\n// The configuration's accounts.\n#accounts: {\n")
	for _, n := range names {
		a := cfg.Accounts[n]
		fmt.Fprintf(&b, "\t%s: {platform: %s, max_length: %d}\n", strconv.Quote(n), strconv.Quote(a.Platform), a.MaxLength)
	}
	b.WriteString("}\n#Target: ")
	for i, n := range names {
		if i > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(strconv.Quote(n))
	}
	b.WriteString("\n#Front: {\n")
	for _, n := range names {
		a := cfg.Accounts[n]
		fmt.Fprintf(&b, "\t// Replaces or adds to the post for the %s account (%s).\n", n, a.Platform)
		// The platform is one of Platforms, all CUE identifiers; an index
		// (#Overrides["x"]) would do as well but sends JSON Schema
		// generation into endless recursion.
		fmt.Fprintf(&b, "\t%s?: #Overrides.%s\n", strconv.Quote(n), a.Platform)
	}
	b.WriteString("}\n")
	return b.String()
}

// Limits returns what target t allows in one part, from the CUE limits
// table with the configuration's changes and the account's max_length.
func (v *Validator) Limits(t Target) Limits {
	platform := t.Platform
	if a, ok := v.cfg.Accounts[t.Name]; ok && platform == "" {
		platform = a.Platform
	}
	key := t.Name + "\x00" + platform
	if l, ok := v.limitCache[key]; ok {
		return l
	}
	var raw struct {
		Length int    `json:"length"`
		Bytes  int    `json:"bytes"`
		Unit   string `json:"unit"`
		Note   string `json:"note"`
	}
	_ = v.limits.LookupPath(cue.MakePath(cue.Str(platform))).Decode(&raw)
	l := Limits{Length: raw.Length, Bytes: raw.Bytes, Unit: raw.Unit, Note: raw.Note}
	if a, ok := v.cfg.Accounts[t.Name]; ok && a.MaxLength > 0 {
		l.Length = a.MaxLength
	}
	v.limitCache[key] = l
	return l
}

// platformLimit is a platform's row of the CUE limits table; zero means
// no limit of that kind.
type platformLimit struct {
	Length   int    `json:"length"`
	Bytes    int    `json:"bytes"`
	Unit     string `json:"unit"`
	Note     string `json:"note"`
	MaxMedia int    `json:"max_media"`
	MaxTags  int    `json:"max_tags"`
	MaxTitle int    `json:"max_title"`
	// MaxImageBytes is the largest image file, in bytes.
	MaxImageBytes int `json:"max_image_bytes"`
	// MediaTypes are the MIME types the platform takes; nil: any.
	MediaTypes []string `json:"media_types"`
	// MinMedia is the fewest media items a post carries (Instagram: 1).
	MinMedia int `json:"min_media"`
	// MaxHashtags and MaxMentions cap the tags and @-mentions of a post.
	MaxHashtags int `json:"max_hashtags"`
	MaxMentions int `json:"max_mentions"`

	// MaxVideos is the most videos in a post; nil: no limit, 0: none.
	MaxVideos *int `json:"max_videos"`
	// VideoAlone: a video goes with no image beside it.
	VideoAlone bool `json:"video_alone"`
	// VideoTypes are the video MIME types the platform takes; nil: any.
	VideoTypes      []string `json:"video_types"`
	MaxVideoBytes   int      `json:"max_video_bytes"`
	MinVideoSeconds float64  `json:"min_video_seconds"`
	MaxVideoSeconds float64  `json:"max_video_seconds"`
	MinAspect       float64  `json:"min_aspect"`
	MaxAspect       float64  `json:"max_aspect"`
}

// videoBounds is what post.cue's rendered.<target>.limits receives about
// videos, every "no limit" written as a bound no video reaches.
type videoBounds struct {
	MaxVideos, MaxImagesWithVideo, MaxVideoBytes int
	MinSeconds, MaxSeconds, MinAspect, MaxAspect float64
	Types                                        []string
}

// videoBounds returns the video limits of l as bounds.
func (l platformLimit) videoBounds() videoBounds {
	b := videoBounds{MaxVideos: math.MaxInt32, MaxImagesWithVideo: math.MaxInt32,
		MaxVideoBytes: unlimited(l.MaxVideoBytes), MinSeconds: l.MinVideoSeconds, MaxSeconds: l.MaxVideoSeconds,
		MinAspect: l.MinAspect, MaxAspect: l.MaxAspect, Types: l.VideoTypes}
	if l.MaxVideos != nil {
		b.MaxVideos = *l.MaxVideos
	}
	if l.VideoAlone {
		b.MaxImagesWithVideo = 0
	}
	if l.MediaTypes != nil {
		b.Types = nil // media_types judges every item's type already
	}
	if b.MaxSeconds <= 0 {
		b.MaxSeconds = math.MaxInt32
	}
	if b.MaxAspect <= 0 {
		b.MaxAspect = math.MaxInt32
	}
	return b
}

// videoFit reports whether r's videos are within b: the comparisons #Post
// makes, in Go, for the fast check.
func (b videoBounds) fit(r Rendered) bool {
	if len(r.Videos) > b.MaxVideos || len(r.Videos) > 0 && len(r.Images) > b.MaxImagesWithVideo {
		return false
	}
	for _, vid := range r.Videos {
		secs, aspect := vid.Duration.Seconds(), vid.Aspect()
		if vid.Bytes > int64(b.MaxVideoBytes) || secs < b.MinSeconds || secs > b.MaxSeconds ||
			aspect < b.MinAspect || aspect > b.MaxAspect ||
			b.Types != nil && !slices.Contains(b.Types, vid.Type) {
			return false
		}
	}
	return true
}

// imagesWithVideo is how many images go beside r's videos: 0 without one.
func imagesWithVideo(r Rendered) int {
	if len(r.Videos) == 0 {
		return 0
	}
	return len(r.Images)
}

// platformLimits reads a platform's limits from the compiled table once
// per compilation: posts then receive them as concrete numbers.
func (v *Validator) platformLimits(platform string) platformLimit {
	if l, ok := v.rowCache[platform]; ok {
		return l
	}
	var l platformLimit
	_ = v.limits.LookupPath(cue.MakePath(cue.Str(platform))).Decode(&l)
	v.rowCache[platform] = l
	return l
}

// unlimited writes "no limit" (0) as a number no count reaches, so the
// schema compares without a condition.
func unlimited(n int) int {
	if n <= 0 {
		return math.MaxInt32
	}
	return n
}

// used is how many evaluations the context has seen since it was built.
func (v *Validator) used() int {
	if v.fast != nil {
		return v.uses + v.fast.evals
	}
	return v.uses
}

// renderedLimits is what post.cue's rendered.<target>.limits receives for
// r: the platform's limits with the account's max_length, each "no limit"
// written as a number no count reaches.
func (v *Validator) renderedLimits(r Rendered) platformLimit {
	l := v.platformLimits(r.Platform)
	if a, ok := v.cfg.Accounts[r.Target]; ok && a.MaxLength > 0 {
		l.Length = a.MaxLength
	}
	l.MaxImageBytes = v.maxImageBytes(r.Target, r.Platform)
	return platformLimit{Length: unlimited(l.Length), Bytes: unlimited(l.Bytes),
		MaxMedia: unlimited(l.MaxMedia), MinMedia: l.MinMedia, MaxTags: unlimited(l.MaxTags), MaxTitle: unlimited(l.MaxTitle),
		MaxImageBytes: unlimited(l.MaxImageBytes), MediaTypes: l.MediaTypes,
		MaxHashtags: unlimited(l.MaxHashtags), MaxMentions: unlimited(l.MaxMentions),
		MaxVideos: l.MaxVideos, VideoAlone: l.VideoAlone, VideoTypes: l.VideoTypes,
		MaxVideoBytes: l.MaxVideoBytes, MinVideoSeconds: l.MinVideoSeconds, MaxVideoSeconds: l.MaxVideoSeconds,
		MinAspect: l.MinAspect, MaxAspect: l.MaxAspect}
}

// maxImageBytes is the largest image an account takes, 0 for no limit:
// the account's max_image_bytes setting (which its adapter enforces too),
// else its platform's limit.
func (v *Validator) maxImageBytes(target, platform string) int {
	if a, ok := v.cfg.Accounts[target]; ok {
		if n := toInt(a.Settings["max_image_bytes"]); n > 0 {
			return n
		}
	}
	return v.platformLimits(platform).MaxImageBytes
}

// renderedFit reports whether every render is within its limits: the
// comparisons #Post makes under rendered, made in Go for the fast check.
// Any render over a limit goes to CUE, which reports it.
func (v *Validator) renderedFit(rendered []Rendered, tags, title int) bool {
	for _, r := range rendered {
		l := v.renderedLimits(r)
		for _, pt := range r.Parts {
			if pt.Length > l.Length || pt.Bytes > l.Bytes {
				return false
			}
		}
		if r.Hashtags > l.MaxHashtags || r.Mentions > l.MaxMentions {
			return false
		}
		if r.Media > l.MaxMedia || r.Media < l.MinMedia || tags > l.MaxTags || title > l.MaxTitle {
			return false
		}
		for _, img := range r.Images {
			if img.Bytes > int64(l.MaxImageBytes) {
				return false
			}
		}
		for _, typ := range r.MediaTypes {
			if l.MediaTypes != nil && !slices.Contains(l.MediaTypes, typ) {
				return false
			}
		}
		if !l.videoBounds().fit(r) {
			return false
		}
	}
	return true
}

// anyList is ss as the []any a CUE value is filled from.
func anyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// maxMedia is the most media items a platform takes, 0 for no limit.
func (v *Validator) maxMedia(platform string) int { return v.platformLimits(platform).MaxMedia }

// Validate checks one post with its measured renders and returns every
// violation, each at the front-matter key, list item or body line it is
// about, sorted. A nil result means the post is valid.
func (v *Validator) Validate(p *Post, rendered []Rendered) Errors {
	if v.broken != nil {
		return Errors{Errorf(p.PosOf(""), "", "not checked: %v", v.broken)}
	}
	if v.used() >= recycleEvery {
		if err := v.guardedCompile(); err != nil {
			return Errors{Errorf(p.PosOf(""), "", "%v", err)}
		}
	}
	d := v.document(p)
	var errs Errors
	// Most posts are judged by the fast checker from verdicts it already
	// holds and by Go's own limits: no CUE evaluation runs, so there is
	// nothing to guard (a goroutine, a timer and two heap readings per
	// post). The rest are evaluated within the limits.
	if v.fast == nil || !v.fast.known(d.doc) || !v.renderedFit(rendered, d.tags, d.title) {
		if gerr := guard(p.File+" with "+v.configName(), func() { errs = v.validate(p, d, rendered) }); gerr != nil {
			v.broken = gerr
			return Errors{Errorf(p.PosOf(""), "", "%v", gerr)}
		}
	}
	if more := subredditRules(v.cfg, p); len(more) > 0 {
		errs = append(errs, more...)
		errs.Sort()
	}
	return errs
}

// postDocument is a post's front-matter as the schema judges it, with
// the counts of its tags and title runes the limits are checked against.
type postDocument struct {
	doc         map[string]any
	tags, title int
}

// document makes the document validate judges of p.
func (v *Validator) document(p *Post) postDocument {
	// Tags and title are counted as the front-matter gives them, the
	// value CUE judges.
	tags, _ := p.Front["tags"].([]any)
	titleText, _ := p.Front["title"].(string)

	doc := make(map[string]any, len(p.Front)+1)
	for k, val := range p.Front {
		doc[k] = val
	}
	if name, ok := doc["to"].(string); ok {
		doc["to"] = []any{name} // one target is a list of one (see checkCUE)
	}
	if vs, ok := doc["variants"].([]any); ok {
		doc["variants"] = variantsDoc(vs)
	}
	return postDocument{doc: doc, tags: len(tags), title: utf8.RuneCountInString(titleText)}
}

// validate is Validate's work, within the evaluation limits.
func (v *Validator) validate(p *Post, d postDocument, rendered []Rendered) Errors {
	doc, title := d.doc, d.title
	if v.fast != nil && v.fast.valid(doc) && v.renderedFit(rendered, d.tags, title) {
		return nil
	}
	v.uses++

	targets := make(map[string]any, len(p.To))
	for _, t := range p.To {
		targets[t.Name] = t.Platform
	}
	var rmap map[string]any
	if len(rendered) > 0 {
		rmap = make(map[string]any, len(rendered))
		for _, r := range rendered {
			parts := make([]any, len(r.Parts))
			for i, pt := range r.Parts {
				parts[i] = map[string]any{"text": pt.Text, "length": pt.Length, "bytes": pt.Bytes, "line": pt.Line}
			}
			images := make([]any, len(r.Images))
			for i, img := range r.Images {
				images[i] = map[string]any{"media": img.Media, "bytes": img.Bytes}
			}
			l := v.renderedLimits(r)
			limits := map[string]any{"length": l.Length, "bytes": l.Bytes,
				"max_media": l.MaxMedia, "min_media": l.MinMedia, "max_tags": l.MaxTags, "max_title": l.MaxTitle, "max_image_bytes": l.MaxImageBytes,
				"max_hashtags": l.MaxHashtags, "max_mentions": l.MaxMentions}
			rm := map[string]any{"platform": r.Platform, "limits": limits, "parts": parts,
				"images": images, "media": r.Media, "tags": d.tags, "title": title,
				"hashtags": r.Hashtags, "mentions": r.Mentions}
			if l.MediaTypes != nil {
				limits["media_types"] = anyList(l.MediaTypes)
				rm["media_types"] = anyList(r.MediaTypes)
			}
			vb := l.videoBounds()
			limits["max_videos"], limits["max_images_with_video"], limits["max_video_bytes"] = vb.MaxVideos, vb.MaxImagesWithVideo, vb.MaxVideoBytes
			limits["min_video_seconds"], limits["max_video_seconds"] = vb.MinSeconds, vb.MaxSeconds
			limits["min_aspect"], limits["max_aspect"] = vb.MinAspect, vb.MaxAspect
			videos := make([]any, len(r.Videos))
			vtypes := make([]any, len(r.Videos))
			for i, vid := range r.Videos {
				videos[i] = map[string]any{"media": vid.Media, "bytes": vid.Bytes, "seconds": vid.Duration.Seconds(), "aspect": vid.Aspect()}
				vtypes[i] = vid.Type
			}
			rm["videos"], rm["video_count"], rm["images_with_video"] = videos, len(r.Videos), imagesWithVideo(r)
			if vb.Types != nil {
				limits["video_types"] = anyList(vb.Types)
				rm["video_types"] = vtypes
			}
			rmap[r.Target] = rm
		}
	}

	// CUE reports an unknown key only when the struct holding it has no
	// other error, and a comprehension over a field in error yields
	// nothing. So each round drops the fields found in error and checks
	// the rest again, until nothing new turns up.
	if rmap != nil {
		doc["rendered"] = rmap
	}
	var errs Errors
	var removed pathSet
	for round := 0; round < 5; round++ {
		found, bad := v.run(p, doc, targets, rendered)
		for _, f := range found {
			if !removed.near(f.key) {
				errs = append(errs, f.err)
			}
		}
		var drop [][]string
		for _, labels := range bad {
			if path := cuePath(labels); !removed.near(path) {
				drop = append(drop, labels)
				removed.add(path)
			}
		}
		next, changed := withoutPaths(doc, drop)
		if !changed {
			break
		}
		doc = next
	}
	if len(errs) == 0 {
		return nil
	}
	return dedupe(errs)
}

// pathSet is a set of dotted paths that answers, in the length of a path,
// whether a path is in it, below one of it, or above one.
type pathSet struct {
	paths map[string]bool
	above map[string]bool // every proper prefix of the paths
}

func (s *pathSet) add(path string) {
	if s.paths == nil {
		s.paths, s.above = map[string]bool{}, map[string]bool{}
	}
	s.paths[path] = true
	for j := len(path) - 1; j > 0; j-- {
		if path[j] == '.' {
			s.above[path[:j]] = true
		}
	}
}

// near reports whether path is one of the set, or below or above one.
func (s *pathSet) near(path string) bool {
	if s.paths[path] || s.above[path] {
		return true
	}
	for j := len(path) - 1; j > 0; j-- {
		if path[j] == '.' && s.paths[path[:j]] {
			return true
		}
	}
	return false
}

// finding is one error with the dotted path CUE gave it.
type finding struct {
	key string
	err *Error
}

// run runs CUE once over doc and returns the findings, and the paths of
// the fields in error that the next round drops: the nearest map key
// holding each error.
func (v *Validator) run(p *Post, doc map[string]any, targets map[string]any, rendered []Rendered) ([]finding, [][]string) {
	in := v.ctx.Encode(map[string]any{"targets": targets, "post": doc})
	fv := in.LookupPath(cue.ParsePath("post"))
	err := v.check.Unify(in).Validate(cue.Concrete(true), cue.All())
	if err == nil {
		return nil, nil
	}
	sib := newErrSet(stripped(cueerrors.Errors(err)))
	var out []finding
	var bad [][]string
	for i, e := range sib.errs {
		labels := e.Path()
		path := sib.paths[i]
		if exists := lookupLabels(fv, labels); exists.Exists() {
			trim := labels
			for len(trim) > 1 && lastIndex(cuePath(trim)) >= 0 {
				trim = trim[:len(trim)-1]
			}
			bad = append(bad, trim)
		}
		if len(labels) > 0 && labels[0] == "rendered" {
			if fe := v.renderedError(p, rendered, labels, e, sib); fe != nil {
				out = append(out, finding{path, fe})
			}
			continue
		}
		msg := translate(e, errContext{path: path, siblings: sib, actual: lookupLabels(fv, labels), schema: v.post})
		if msg == "" {
			continue
		}
		field := fieldOf(sib, e, path, v.post)
		if format, _ := e.Msg(); format == fmtIncomplete && lastIndex(path) >= 0 {
			field = path[:strings.LastIndexByte(path, '.')]
		}
		out = append(out, finding{path, Errorf(p.PosOf(field), field, "%s", msg)})
	}
	return out, bad
}

// stripped is errs with the #Post prefix gone from their paths, so that
// paths compare with the dotted paths of the front-matter.
func stripped(errs []cueerrors.Error) []cueerrors.Error {
	out := make([]cueerrors.Error, len(errs))
	for i, e := range errs {
		out[i] = pathError{e}
	}
	return out
}

// pathError is a CUE error whose path starts at the post, not at #Post.
type pathError struct{ cueError }

type cueError = cueerrors.Error

func (e pathError) Path() []string {
	p := e.cueError.Path()
	if len(p) > 0 && p[0] == "#Check" {
		p = p[1:]
	}
	if len(p) > 0 && p[0] == "post" {
		p = p[1:]
	}
	return p
}

// renderedError explains a violation under rendered.<target>: a part too
// long, too many bytes or media, or a policy on the rendered text.
func (v *Validator) renderedError(p *Post, rendered []Rendered, labels []string, e cueerrors.Error, all *errSet) *Error {
	if len(labels) < 2 {
		return nil
	}
	target := labels[1]
	if uq, err := strconv.Unquote(target); err == nil {
		target = uq
	}
	var r *Rendered
	for i := range rendered {
		if rendered[i].Target == target {
			r = &rendered[i]
		}
	}
	if r == nil {
		return nil
	}
	pos := r.Source
	if pos.File == "" {
		pos = p.PosOf(target)
	}
	rest := labels[2:]
	var prefix string
	var part *RenderedPart
	if len(rest) >= 2 && rest[0] == "parts" {
		if i, err := strconv.Atoi(rest[1]); err == nil && i < len(r.Parts) {
			part = &r.Parts[i]
			if part.Line > 0 {
				pos = Position{File: p.File, Line: part.Line, Col: 1}
			}
			if len(r.Parts) > 1 {
				prefix = fmt.Sprintf("part %d of %d: ", i+1, len(r.Parts))
			}
		}
		rest = rest[2:]
	}
	lim := v.Limits(Target{Name: target, Platform: r.Platform})
	format, _ := e.Msg()
	switch {
	case part != nil && len(rest) == 1 && rest[0] == "length" && format == fmtOutOfBound:
		unit := lim.Unit
		if unit == "" {
			unit = "characters"
		}
		msg := fmt.Sprintf("%s%d of %d %s", prefix, part.Length, lim.Length, unit)
		if lim.Note != "" {
			msg += " (" + lim.Note + ")"
		}
		return Errorf(pos, target, "%s", msg)
	case part != nil && len(rest) == 1 && rest[0] == "bytes" && format == fmtOutOfBound:
		return Errorf(pos, target, "%s%d of %d bytes", prefix, part.Bytes, lim.Bytes)
	case part == nil && len(rest) == 3 && rest[0] == "images" && rest[2] == "bytes" && format == fmtOutOfBound:
		i, err := strconv.Atoi(rest[1])
		if err != nil || i >= len(r.Images) {
			break
		}
		img := r.Images[i]
		name := fmt.Sprintf("media %d", img.Media+1)
		if img.Media < len(p.Media) {
			name = strconv.Quote(p.Media[img.Media].File)
		}
		return Errorf(p.PosOf(joinPath(joinIndex("media", img.Media), "file")), target,
			"%s is %s bytes; %s takes images of at most %s bytes: resize or compress it",
			name, groupDigits(img.Bytes), target, groupDigits(int64(v.maxImageBytes(target, r.Platform))))
	case part == nil && len(rest) == 1 && rest[0] == "media" && format == fmtOutOfBound:
		if min := v.platformLimits(r.Platform).MinMedia; r.Media < min {
			return Errorf(p.PosOf("to"), target, "%s takes no post without media: add an image or a video, or leave %s out of to:", r.Platform, target)
		}
		return Errorf(p.PosOf("media"), target, "%d media items, %s takes at most %d", r.Media, r.Platform, v.maxMedia(r.Platform))
	case part == nil && len(rest) == 2 && rest[0] == "media_types":
		i, err := strconv.Atoi(rest[1])
		if err != nil || i >= len(r.MediaTypes) || i >= len(p.Media) {
			break
		}
		field := joinPath(joinIndex("media", i), "file")
		return Errorf(p.PosOf(field), field, "%s does not take %s files (%s): it takes %s; convert the file",
			target, r.MediaTypes[i], p.Media[i].File, strings.Join(v.platformLimits(r.Platform).MediaTypes, ", "))
	case part == nil && len(rest) == 3 && rest[0] == "videos":
		if e := v.videoError(p, r, target, rest); e != nil {
			return e
		}
	case part == nil && len(rest) == 2 && rest[0] == "video_types":
		i, err := strconv.Atoi(rest[1])
		if err != nil || i >= len(r.Videos) || r.Videos[i].Media >= len(p.Media) {
			break
		}
		vid := r.Videos[i]
		field := joinPath(joinIndex("media", vid.Media), "file")
		return Errorf(p.PosOf(field), field, "%s does not take %s videos (%s): it takes %s; convert the file",
			target, vid.Type, p.Media[vid.Media].File, strings.Join(v.platformLimits(r.Platform).VideoTypes, ", "))
	case part == nil && len(rest) == 1 && rest[0] == "video_count":
		n := v.platformLimits(r.Platform).videoBounds().MaxVideos
		if n == 0 {
			return Errorf(p.PosOf("media"), target, "%s takes no video: %d of the media are videos", target, len(r.Videos))
		}
		return Errorf(p.PosOf("media"), target, "%d videos, %s takes at most %d in a post", len(r.Videos), target, n)
	case part == nil && len(rest) == 1 && rest[0] == "images_with_video":
		return Errorf(p.PosOf("media"), target,
			"%s takes a video on its own: this post has %d images beside it; post the images separately, or give %s only the video", target, len(r.Images), target)
	case part == nil && len(rest) == 1 && (rest[0] == "hashtags" || rest[0] == "mentions") && format == fmtOutOfBound:
		n, most, what := r.Hashtags, v.platformLimits(r.Platform).MaxHashtags, "hashtags"
		if rest[0] == "mentions" {
			n, most, what = r.Mentions, v.platformLimits(r.Platform).MaxMentions, "@-mentions"
		}
		return Errorf(pos, target, "%d %s; %s takes at most %d in a post", n, what, r.Platform, most)
	case part == nil && len(rest) == 1 && rest[0] == "tags" && format == fmtOutOfBound:
		return Errorf(p.PosOf("tags"), "tags", "%s takes at most %d tags", target, v.platformLimits(r.Platform).MaxTags)
	case part == nil && len(rest) == 1 && rest[0] == "title" && format == fmtOutOfBound:
		return Errorf(p.PosOf("title"), "title", "%s takes titles of at most %d characters", target, v.platformLimits(r.Platform).MaxTitle)
	}
	msg := translate(e, errContext{path: cuePath(labels), siblings: all})
	if msg == "" {
		return nil
	}
	return Errorf(pos, target, "%s%s", prefix, msg)
}

// videoError explains a video over one of its target's limits; rest is
// videos.<i>.<bytes|seconds|aspect>. It points at the media item's file.
func (v *Validator) videoError(p *Post, r *Rendered, target string, rest []string) *Error {
	i, err := strconv.Atoi(rest[1])
	if err != nil || i >= len(r.Videos) {
		return nil
	}
	vid := r.Videos[i]
	name := fmt.Sprintf("media %d", vid.Media+1)
	if vid.Media < len(p.Media) {
		name = strconv.Quote(p.Media[vid.Media].File)
	}
	field := joinPath(joinIndex("media", vid.Media), "file")
	pos := p.PosOf(field)
	l := v.platformLimits(r.Platform)
	switch rest[2] {
	case "bytes":
		return Errorf(pos, field, "%s is %s bytes; %s takes videos of at most %s bytes: compress or shorten it",
			name, groupDigits(vid.Bytes), target, groupDigits(int64(l.MaxVideoBytes)))
	case "seconds":
		return Errorf(pos, field, "%s plays %s; %s takes videos %s: trim it",
			name, seconds(vid.Duration.Seconds()), target, between(l.MinVideoSeconds, l.MaxVideoSeconds, seconds))
	case "aspect":
		return Errorf(pos, field, "%s is %dx%d (width/height %s); %s takes videos whose width/height is %s: crop it",
			name, vid.Width, vid.Height, ratio(vid.Aspect()), target, between(l.MinAspect, l.MaxAspect, ratio))
	}
	return nil
}

// seconds formats a video length for messages: "140 s", "0.5 s".
func seconds(s float64) string {
	return strconv.FormatFloat(math.Round(s*100)/100, 'f', -1, 64) + " s"
}

// ratio formats an aspect ratio for messages: "0.333", "3".
func ratio(r float64) string { return strconv.FormatFloat(r, 'f', -1, 64) }

// between words a range of which either end may be absent (0).
func between(lo, hi float64, f func(float64) string) string {
	switch {
	case lo > 0 && hi > 0:
		return "from " + f(lo) + " to " + f(hi)
	case hi > 0:
		return "of at most " + f(hi)
	}
	return "of at least " + f(lo)
}

// withoutPaths returns a copy of front without the keys at paths, copying
// only the maps and lists on the way to them, and whether anything was
// removed. All paths go in one walk, however many there are.
func withoutPaths(front map[string]any, paths [][]string) (map[string]any, bool) {
	tree := dropTree{}
	for _, path := range paths {
		t := tree
		for i, l := range path {
			if uq, err := strconv.Unquote(l); err == nil {
				l = uq
			}
			if i == len(path)-1 {
				t[l] = nil
				break
			}
			sub, ok := t[l]
			if ok && sub == nil {
				break // an ancestor goes already
			}
			if !ok {
				sub = dropTree{}
				t[l] = sub
			}
			t = sub
		}
	}
	out, changed := prune(front, tree)
	m, _ := out.(map[string]any)
	return m, changed
}

// dropTree is the keys to drop below one node: a nil subtree drops the
// key itself.
type dropTree map[string]dropTree

func prune(node any, tree dropTree) (any, bool) {
	switch n := node.(type) {
	case map[string]any:
		var m map[string]any
		for key, sub := range tree {
			val, ok := n[key]
			if !ok {
				continue
			}
			if sub != nil {
				var changed bool
				if val, changed = prune(val, sub); !changed {
					continue
				}
			}
			if m == nil {
				m = make(map[string]any, len(n))
				for k, x := range n {
					m[k] = x
				}
			}
			if sub == nil {
				delete(m, key)
			} else {
				m[key] = val
			}
		}
		if m == nil {
			return node, false
		}
		return m, true
	case []any:
		var l []any
		for key, sub := range tree {
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(n) || sub == nil {
				continue // a list item stays: its error is its own
			}
			val, changed := prune(n[i], sub)
			if !changed {
				continue
			}
			if l == nil {
				l = append([]any(nil), n...)
			}
			l[i] = val
		}
		if l == nil {
			return node, false
		}
		return l, true
	}
	return node, false
}

// groupDigits writes n with commas between groups of three digits, as
// limits are quoted in messages: 2,000,000.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// variantsDoc is variants: with each variant's single to: made a list of
// one, as the top-level to: is (see checkCUE), leaving the front-matter
// as it was.
func variantsDoc(vs []any) []any {
	out := vs
	for i, x := range vs {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		if name, ok := m["to"].(string); ok {
			if &out[0] == &vs[0] {
				out = append([]any(nil), vs...)
			}
			c := maps.Clone(m)
			c["to"] = []any{name}
			out[i] = c
		}
	}
	return out
}
