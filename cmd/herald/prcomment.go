package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/heraldhq/herald/internal/gitfs"
	ghub "github.com/heraldhq/herald/internal/github"
	"github.com/heraldhq/herald/platforms/render"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// commentTime is how the comment writes a time: with its weekday and
// zone, never as a countdown, since the comment only changes on a push.
const commentTime = "Mon 2 Jan 2006 15:04 MST"

// links makes the comment's links to the pull request's files at its
// head commit, on GitHub or on a forge whose Actions imitate it.
type links struct {
	server, repo, commit string
	gitea                bool
}

func commentLinks(e *env, commit string) links {
	server := strings.TrimSuffix(e.getenv("GITHUB_SERVER_URL"), "/")
	if server == "" {
		server = "https://github.com"
	}
	return links{server: server, repo: e.getenv("GITHUB_REPOSITORY"), commit: commit, gitea: e.getenv("GITEA_ACTIONS") == "true"}
}

func (l links) ok() bool { return l.repo != "" && l.commit != "" }

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// file is the page that shows file at the head commit.
func (l links) file(file string) string {
	if l.gitea {
		return fmt.Sprintf("%s/%s/src/commit/%s/%s", l.server, l.repo, l.commit, escapePath(file))
	}
	return fmt.Sprintf("%s/%s/blob/%s/%s", l.server, l.repo, l.commit, escapePath(file))
}

// raw is the file's bytes at the head commit, through the forge's web
// host, so that a private repository's images show to signed-in readers.
func (l links) raw(file string) string {
	if l.gitea {
		return fmt.Sprintf("%s/%s/raw/commit/%s/%s", l.server, l.repo, l.commit, escapePath(file))
	}
	return l.file(file) + "?raw=true"
}

// postLink is a post's name, linked to its file at the head commit.
func (l links) postLink(id, file string) string {
	name := "`" + strings.ReplaceAll(id, "`", "'") + "`"
	if !l.ok() || file == "" {
		return name
	}
	return "[" + name + "](" + l.file(file) + ")"
}

// prPost is the plan of one post the pull request changes.
type prPost struct {
	change  postChange
	actions []reconcile.Action
}

// commentInput is what the comment is made of.
type commentInput struct {
	pl      *planned
	diff    *pullDiff // nil: no base to compare with
	base    string
	links   links
	zone    *time.Location
	caps    func(string) reconcile.Capabilities
	preview string // the HTML previews' address, if any
	diffErr error  // why there is no diff
	records map[string]*state.Record
	// reviews reads the pull request's approvals, for the accounts that
	// name approvers; nil outside a pull request.
	reviews   reviewReader
	pr        int
	approvals []approval
}

// planComment builds the pull request comment for a plan. It opens with
// one sentence per post the pull request adds, edits, deletes or
// renames; then a block per such post: what each target will do, the
// change in the text each network receives, its images, and a folded
// preview per target. Everything else the repository would do now is
// one counted, folded section at the end.
//
// With reviews (a pull request's), each account that names approvers
// and that a changed post targets is listed with whether one of its
// approvers approved; the approvals are returned for the check run.
func planComment(ctx context.Context, e *env, pl *planned, base, commit, previewURL string, reviews reviewReader, pr int) (*ghub.Comment, []approval, error) {
	in := commentInput{pl: pl, base: base, links: commentLinks(e, commit), preview: previewURL,
		caps: capabilities(e, pl.repo.Config), reviews: reviews, pr: pr}
	in.zone = pl.repo.Config.Timezone
	if in.zone == nil {
		in.zone = time.UTC
	}
	if base != "" {
		in.diff, in.diffErr = diffPull(ctx, pl.repo, pl.report, base)
		if in.diffErr != nil {
			e.log.Warn("plan comment: cannot tell what the pull request changes", "error", in.diffErr.Error())
		}
	}
	c, err := in.build(ctx)
	return c, in.approvals, err
}

func (in *commentInput) build(ctx context.Context) (*ghub.Comment, error) {
	p := in.pl.plan
	c := &ghub.Comment{Commit: in.links.commit}
	title := "### herald plan"
	if in.links.commit != "" {
		title += " for " + shortSHA(in.links.commit)
	}
	c.Title = title

	byPost := map[string][]reconcile.Action{}
	for _, a := range p.Actions {
		byPost[a.Post] = append(byPost[a.Post], a)
	}
	var posts []prPost
	mine := map[string]bool{}
	switch {
	case in.diff != nil:
		for _, ch := range in.diff.changes {
			id := ch.id
			if ch.kind == changeDeletes {
				id = ch.oldID
			}
			if mine[id] {
				continue
			}
			mine[id] = true
			posts = append(posts, prPost{change: ch, actions: byPost[id]})
		}
	default:
		// Without a base, every post with something to do is shown.
		for _, s := range in.pl.report.Summaries {
			for _, a := range byPost[s.ID] {
				if a.Kind != reconcile.NoOp {
					mine[s.ID] = true
					posts = append(posts, prPost{change: postChange{id: s.ID, file: s.File}, actions: byPost[s.ID]})
					break
				}
			}
		}
	}

	switch {
	case in.diff == nil && in.diffErr != nil:
		c.Lead = append(c.Lead, fmt.Sprintf("herald could not tell what this pull request changes (%s): every post with something to do is shown.", ghub.Cell(in.diffErr.Error())))
	case in.diff == nil:
		c.Lead = append(c.Lead, "No base branch to compare with (run in a pull_request workflow, or pass --base): every post with something to do is shown.")
	case len(posts) == 0:
		c.Lead = append(c.Lead, "This pull request changes no post.")
	}
	if in.reviews != nil {
		aps, err := approvalsFor(ctx, in.pl, mine, in.reviews, in.pr)
		if err != nil {
			return nil, fmt.Errorf("read the pull request's approvals: %w", err)
		}
		in.approvals = aps
		c.Approvals = approvalLines(aps)
	}
	if in.diff != nil && in.diff.config {
		c.Lead = append(c.Lead, "**Changes herald's configuration**: the plan of any post may change; everything the repository would do is listed below.")
	}
	v, err := schema.NewValidator(in.pl.repo.Config)
	if err != nil {
		return nil, err
	}
	old := &oldPosts{dir: in.pl.repo.Dir, repos: map[string]*reconcile.Repo{}}
	defer old.close()
	for _, pp := range posts {
		if in.diff != nil {
			c.Lead = append(c.Lead, in.lead(pp))
		}
		c.Posts = append(c.Posts, in.block(pp, v, old))
	}
	c.Others = in.others(mine)
	var foot []string
	when := p.Now.In(in.zone).Format(commentTime)
	switch {
	case in.links.commit != "" && in.base != "":
		foot = append(foot, fmt.Sprintf("Planned %s for %s against %s.", when, shortSHA(in.links.commit), "`"+in.base+"`"))
	case in.links.commit != "":
		foot = append(foot, fmt.Sprintf("Planned %s for %s.", when, shortSHA(in.links.commit)))
	default:
		foot = append(foot, fmt.Sprintf("Planned %s.", when))
	}
	foot = append(foot, "This comment is updated on every push.")
	if in.preview != "" {
		c.Lead = append(c.Lead, fmt.Sprintf("Every post as each network will show it: [HTML previews](%s).", in.preview))
	}
	c.Footer = "<sub>" + strings.Join(foot, " ") + "</sub>"
	return c, nil
}

// lead is the one sentence that says what the pull request does to a
// post, and what that makes each network do.
func (in *commentInput) lead(pp prPost) string {
	ch := pp.change
	var b strings.Builder
	verb := map[changeKind]string{changeAdds: "Adds", changeEdits: "Edits", changeDeletes: "Deletes", changeRenames: "Renames"}[ch.kind]
	switch ch.kind {
	case changeDeletes:
		fmt.Fprintf(&b, "**%s** `%s` (%s)", verb, ch.oldID, ch.oldFile)
	case changeRenames:
		fmt.Fprintf(&b, "**%s** `%s` to %s (%s → %s)", verb, ch.oldID, in.links.postLink(ch.id, ch.file), ch.oldFile, ch.file)
	default:
		fmt.Fprintf(&b, "**%s** %s", verb, in.links.postLink(ch.id, ch.file))
	}
	if len(ch.media) > 0 {
		fmt.Fprintf(&b, " (its %s)", strings.Join(quoteAll(ch.media), ", "))
	}
	if len(pp.actions) == 0 {
		if ch.kind == changeDeletes {
			b.WriteString(": it was never published, so nothing is deleted.")
		} else {
			b.WriteString(": it has no target.")
		}
		return b.String()
	}
	// Targets that do the same thing are named together.
	type group struct {
		does    string
		targets []string
	}
	var groups []*group
	idx := map[string]*group{}
	for _, a := range pp.actions {
		_, does := in.does(a, false)
		g := idx[does]
		if g == nil {
			g = &group{does: does}
			idx[does] = g
			groups = append(groups, g)
		}
		g.targets = append(g.targets, a.Target)
	}
	var parts []string
	for _, g := range groups {
		parts = append(parts, andList(g.targets)+": "+g.does)
	}
	b.WriteString(": " + strings.Join(parts, "; ") + ".")
	return b.String()
}

// does says what a target will do, as a reviewer asks it: its symbol and
// its words. With detail, the live post's address is named.
func (in *commentInput) does(a reconcile.Action, detail bool) (symbol, words string) {
	ts := in.target(a.Post, a.Target)
	live := "the live post"
	if detail && ts != nil && len(ts.URLs) > 0 {
		live = ts.URLs[0]
	}
	stays := ""
	if ts != nil && len(ts.URLs) > 0 {
		stays = " (" + ts.URLs[0] + ")"
	}
	if !detail {
		stays = ""
	}
	name := platformName(a.Platform)
	caps := in.caps(a.Platform)
	switch a.Kind {
	case reconcile.Create, reconcile.Scheduled:
		if caps.PublishMeans == "" {
			break
		}
		// No publishing API: a draft is written for a person.
		when := "on merge"
		if a.Kind == reconcile.Scheduled {
			when = in.when(*a.At)
		}
		return "+", caps.PublishMeans + " (" + when + ")"
	case reconcile.Delete:
		if caps.DeleteMeans != "" {
			return "-", caps.DeleteMeans + " on merge"
		}
	}
	switch a.Kind {
	case reconcile.Create:
		if a.At != nil && a.At.Before(in.pl.plan.Now) {
			return "+", "publishes on merge (due " + in.when(*a.At) + ")"
		}
		return "+", "publishes on merge"
	case reconcile.Retry:
		return "+", "publishes on merge (a retry: " + in.clean(a.Reason) + ")"
	case reconcile.Scheduled:
		if a.Queue != "" {
			return "+", "publishes " + in.when(*a.At) + " (the next free slot of queue " + a.Queue + ")"
		}
		return "+", "publishes " + in.when(*a.At)
	case reconcile.Update:
		return "~", "edits " + live + " on merge"
	case reconcile.Delete:
		return "-", "deletes " + live + " on merge"
	case reconcile.Move:
		return ">", "nothing is sent: its record moves from `" + a.From + "`"
	case reconcile.Drift:
		if ts != nil && ts.Status == state.StatusPublished && !a.Kind.Acts() {
			if ts.LastError != nil && ts.LastError.Kind == state.KindNotEditable {
				return "!", "not sent: " + name + " refused an edit before; the live post stays" + stays
			}
			if !caps.Update && !strings.HasPrefix(a.Reason, "delete: true") {
				return "!", "not sent: " + name + " cannot edit; the live post stays" + stays
			}
		}
		return "!", "not sent: " + in.clean(a.Reason)
	case reconcile.Kept:
		return "!", "not deleted: the live post stays" + stays + " (apply --prune, or keep the file with `delete: true`, deletes it)"
	case reconcile.Late:
		return "!", "not published: " + in.clean(a.Reason)
	case reconcile.Frozen, reconcile.Held:
		return "!", "held: " + in.clean(a.Reason)
	case reconcile.Draft:
		return "·", "not published: a draft"
	case reconcile.Resolve:
		return "?", "asks " + name + " first whether an earlier attempt landed"
	case reconcile.NoOp:
		if ts != nil && ts.Status == state.StatusPublished {
			if detail && len(ts.URLs) > 0 {
				return "·", "unchanged: " + ts.URLs[0]
			}
			return "·", "unchanged"
		}
		return "·", in.clean(a.Reason)
	}
	return "", in.clean(a.Reason)
}

// target is the state of a post's target, or nil.
func (in *commentInput) target(post, target string) *state.TargetState {
	if in.records == nil {
		in.records = make(map[string]*state.Record, len(in.pl.records))
		for _, r := range in.pl.records {
			in.records[r.Post] = r
		}
	}
	if r := in.records[post]; r != nil {
		if ts, ok := r.Targets[target]; ok {
			return &ts
		}
	}
	return nil
}

func (in *commentInput) when(t time.Time) string { return t.In(in.zone).Format(commentTime) }

var (
	planTime  = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2} [A-Za-z0-9+\-]+`)
	countdown = regexp.MustCompile(` \(in [0-9dhms ]+\)|, [0-9dhms ]+ ago,`)
)

// clean rewrites a plan reason for the comment: dates with their
// weekday, no countdown, which would go stale.
func (in *commentInput) clean(reason string) string {
	reason = countdown.ReplaceAllStringFunc(reason, func(m string) string {
		if strings.HasPrefix(m, ",") {
			return ","
		}
		return ""
	})
	return planTime.ReplaceAllStringFunc(reason, func(m string) string {
		t, err := time.ParseInLocation("2006-01-02 15:04 MST", m, in.zone)
		if err != nil {
			return m
		}
		return in.when(t)
	})
}

// block is the section of one post the pull request changes.
func (in *commentInput) block(pp prPost, v *schema.Validator, old *oldPosts) ghub.Post {
	ch := pp.change
	var head string
	switch ch.kind {
	case "":
		head = fmt.Sprintf("#### %s · %s", in.links.postLink(ch.id, ch.file), ch.file)
	case changeDeletes:
		head = fmt.Sprintf("#### %s `%s` · %s", ch.kind, ch.oldID, ch.oldFile)
	case changeRenames:
		head = fmt.Sprintf("#### %s %s · %s → %s", ch.kind, in.links.postLink(ch.id, ch.file), ch.oldFile, ch.file)
	default:
		head = fmt.Sprintf("#### %s %s · %s", ch.kind, in.links.postLink(ch.id, ch.file), ch.file)
	}
	out := ghub.Post{Heading: head}
	var b strings.Builder
	if len(pp.actions) > 0 {
		b.WriteString("| Target | What happens |\n|---|---|\n")
		for _, a := range pp.actions {
			sym, words := in.does(a, true)
			target := a.Target
			if a.Platform != "" && a.Platform != state.AccountOf(a.Target) {
				target += " (" + a.Platform + ")"
			}
			if a.Variant != "" {
				target += ", variant " + a.Variant
			}
			fmt.Fprintf(&b, "| %s | `%s` %s |\n", ghub.Cell(target), sym, ghub.Cell(words))
		}
		b.WriteString("\n")
	}
	var prep *reconcile.Prepared
	if ch.file != "" {
		prep = in.pl.repo.Prepare(v, ch.file)
	}
	if ch.kind == changeEdits || ch.kind == changeRenames || ch.kind == "" {
		in.writeTextDiff(&b, pp, prep, old)
	}
	if prep != nil && prep.Post != nil {
		in.writeMedia(&b, prep.Post)
		for _, a := range pp.actions {
			o := prep.OutputText(a.Target, a.Text)
			if o == nil || !sends(a.Kind) {
				continue
			}
			label := o.Target
			if a.Variant != "" {
				label += " (variant " + a.Variant + ")"
			}
			out.Previews = append(out.Previews, ghub.Section{
				Summary: fmt.Sprintf("Preview: %s, %s", label, previewSize(o)),
				Body:    markdownTarget(o),
			})
		}
	}
	out.Body = b.String()
	return out
}

// kindOf is the kind of the target's action, "" when it has none.
func kindOf(actions []reconcile.Action, target string) reconcile.Kind {
	for _, a := range actions {
		if a.Target == target {
			return a.Kind
		}
	}
	return ""
}

// sends reports whether an action of kind k sends the target anything:
// its preview is what the network receives.
func sends(k reconcile.Kind) bool {
	switch k {
	case reconcile.Create, reconcile.Retry, reconcile.Scheduled, reconcile.Update,
		reconcile.Late, reconcile.Frozen, reconcile.Held, reconcile.Draft, reconcile.Resolve:
		return true
	}
	return false
}

func previewSize(o *render.Output) string {
	s := plural(len(o.Parts), "part")
	if len(o.Parts) > 0 && o.Limits.Length > 0 {
		longest := 0
		for _, pt := range o.Parts {
			longest = max(longest, pt.Length)
		}
		unit := o.Limits.Unit
		if unit == "" {
			unit = "characters"
		}
		s += fmt.Sprintf(", the longest %d/%d %s", longest, o.Limits.Length, unit)
	}
	return s
}

// markdownTarget is a target's text as the network receives it: every
// part in a fence, with its length against the limit.
func markdownTarget(o *render.Output) string {
	var b strings.Builder
	if o.Title != "" {
		fmt.Fprintf(&b, "Title: %s\n\n", o.Title)
	}
	for i, pt := range o.Parts {
		fence := ghub.Fence(pt.Text)
		fmt.Fprintf(&b, "Part %d/%d: %s\n\n%stext\n%s\n%s\n\n", i+1, len(o.Parts), measure(pt, o.Limits), fence, pt.Text, fence)
	}
	return b.String()
}

// writeMedia shows each image as a thumbnail linked from the head
// commit, with its alt text under it, so that a reviewer can judge the
// one against the other; a video is a link.
func (in *commentInput) writeMedia(b *strings.Builder, p *schema.Post) {
	if len(p.Media) == 0 {
		return
	}
	b.WriteString("<table><tr>\n")
	for _, m := range p.Media {
		alt := m.Alt
		altText := html.EscapeString(alt)
		if alt == "" {
			altText = "<b>no alt text</b>"
		}
		name := html.EscapeString(m.Path)
		var shown string
		switch {
		case !in.links.ok():
			shown = "<code>" + name + "</code>"
		case strings.HasPrefix(m.Type, "image/"):
			shown = fmt.Sprintf(`<a href="%s"><img src="%s" alt="%s" width="200"></a>`,
				html.EscapeString(in.links.file(m.Path)), html.EscapeString(in.links.raw(m.Path)), html.EscapeString(alt))
		default:
			shown = fmt.Sprintf(`<a href="%s">▶ %s</a>`, html.EscapeString(in.links.file(m.Path)), name)
		}
		fmt.Fprintf(b, "<td valign=\"top\" width=\"220\">%s<br><sub><code>%s</code>, %s, %s</sub><br><sub>Alt: %s</sub></td>\n",
			shown, name, html.EscapeString(m.Type), byteSize(m.Size), altText)
	}
	b.WriteString("</tr></table>\n\n")
}

// writeTextDiff writes, once per post, the change in the text each
// network receives: the text as it was published (or as it is on the
// base, if never published) against the pull request's, words marked.
// Targets that receive the same change are named together; targets
// that receive nothing are left out.
func (in *commentInput) writeTextDiff(b *strings.Builder, pp prPost, prep *reconcile.Prepared, old *oldPosts) {
	if prep == nil || prep.Post == nil {
		return
	}
	type pair struct {
		old, new string
		sent     bool
	}
	var order []pair
	groups := map[pair][]string{}
	var sources []string
	var unread []string
	for _, o := range prep.Outputs {
		kind := kindOf(pp.actions, o.Target)
		label, sent := o.Target, sends(kind)
		if !sent {
			// A published post the network cannot edit keeps its text:
			// the reviewer sees what stays out of date.
			id := pp.change.oldID
			if id == "" {
				id = pp.change.id
			}
			if ts := in.target(id, o.Target); ts == nil || ts.Status != state.StatusPublished || kind != reconcile.Drift {
				continue
			}
			label += " (not sent: the live post keeps the earlier text)"
		}
		from := ""
		if in.diff != nil {
			from = in.diff.from
		}
		before, where, err := old.text(in.pl, pp.change, o.Target, from)
		if errors.Is(err, errNoEarlier) {
			continue
		}
		if err != nil {
			unread = append(unread, fmt.Sprintf("%s (%v)", o.Target, err))
			continue
		}
		if !contains(sources, where) {
			sources = append(sources, where)
		}
		k := pair{before, targetText(o, prep.Post), sent}
		if k.old == k.new {
			continue
		}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], label)
	}
	for _, u := range unread {
		fmt.Fprintf(b, "The earlier text of %s could not be read.\n\n", u)
	}
	if len(order) == 0 {
		return
	}
	fmt.Fprintf(b, "**The text each network receives**, %s → this pull request (<del>removed</del>, <ins>added</ins>):\n\n", strings.Join(sources, ", "))
	for _, k := range order {
		fmt.Fprintf(b, "%s:\n<blockquote>%s</blockquote>\n\n", andList(groups[k]), wordDiff(k.old, k.new))
	}
}

// targetText is what a target receives, as one text: its title, its
// parts, and its media with their alt text.
func targetText(o *render.Output, p *schema.Post) string {
	var b strings.Builder
	if o.Title != "" {
		b.WriteString("Title: " + o.Title + "\n\n")
	}
	for i, pt := range o.Parts {
		if i > 0 {
			fmt.Fprintf(&b, "\n\n[part %d]\n", i+1)
		}
		b.WriteString(pt.Text)
	}
	for _, m := range p.Media {
		fmt.Fprintf(&b, "\n[%s, alt: %s]", m.Path, m.Alt)
	}
	return b.String()
}

// errNoEarlier is a post with no earlier version to compare with: never
// published, and no base.
var errNoEarlier = errors.New("no earlier version")

// oldPosts renders posts as an earlier commit had them.
type oldPosts struct {
	dir   string
	repos map[string]*reconcile.Repo
	hist  *history
}

func (o *oldPosts) close() {
	for _, r := range o.repos {
		r.Close()
	}
}

// text is the text target received when the post was last published
// (the commit where its state last changed), or, for a post never
// published there, as it is at from (the merge base).
func (o *oldPosts) text(pl *planned, ch postChange, target, from string) (string, string, error) {
	if o.hist == nil {
		o.hist = openHistory(o.dir)
	}
	commit, where := from, "the base"
	id := ch.oldID
	if id == "" {
		id = ch.id
	}
	if c, err := o.hist.stateCommit(id); err == nil && c != "" {
		commit, where = c, "as published"
	}
	if commit == "" {
		return "", "", errNoEarlier
	}
	repo := o.repos[commit]
	if repo == nil {
		var err error
		if repo, err = openCommit(o.dir, commit); err != nil {
			return "", "", err
		}
		o.repos[commit] = repo
	}
	v, err := schema.NewValidator(repo.Config)
	if err != nil {
		return "", "", err
	}
	file := ch.oldFile
	if file == "" {
		file = ch.file
	}
	prep := repo.Prepare(v, file)
	if prep.Post == nil {
		if where == "as published" {
			// The file was renamed since: the base has it.
			return "", where, fmt.Errorf("%s is not at %s", file, commit[:7])
		}
		return "", where, fmt.Errorf("%s: %v", file, prep.Errors)
	}
	out := prep.Output(target)
	if out == nil {
		return "", where, nil
	}
	return targetText(out, prep.Post), where, nil
}

// others is the counted, folded section of what the repository would do
// now besides the pull request's posts.
func (in *commentInput) others(mine map[string]bool) ghub.Others {
	counts := map[reconcile.Kind]int{}
	present := map[string]bool{}
	for _, s := range in.pl.report.Summaries {
		present[s.File] = true
	}
	var rows []string
	for _, a := range in.pl.plan.Actions {
		if mine[a.Post] || a.Kind == reconcile.NoOp {
			continue
		}
		counts[a.Kind]++
		sym, words := in.does(a, true)
		name := "`" + a.Post + "`"
		if present[a.File] {
			name = in.links.postLink(a.Post, a.File)
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | `%s` %s |", name, ghub.Cell(a.Target), sym, ghub.Cell(words)))
	}
	if len(rows) == 0 {
		return ghub.Others{}
	}
	var parts []string
	for _, k := range reconcile.Kinds {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	return ghub.Others{
		Summary: fmt.Sprintf("<b>Elsewhere in the repository</b>, not changed by this pull request: %s", strings.Join(parts, ", ")),
		Table:   append([]string{"| Post | Target | What happens |", "|---|---|---|"}, rows...),
	}
}

// wordDiff is old against new as HTML, words that went in <del>, words
// that came in <ins>, line breaks as <br>.
func wordDiff(old, new string) string {
	dmp := diffmatchpatch.New()
	a, b, words := wordsToRunes(old, new)
	diffs := dmp.DiffMainRunes(a, b, false)
	var out strings.Builder
	for _, d := range diffs {
		var text strings.Builder
		for _, r := range d.Text {
			text.WriteString(words[r])
		}
		s := strings.ReplaceAll(html.EscapeString(text.String()), "\n", "<br>")
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			out.WriteString("<del>" + s + "</del>")
		case diffmatchpatch.DiffInsert:
			out.WriteString("<ins>" + s + "</ins>")
		default:
			out.WriteString(s)
		}
	}
	return out.String()
}

// wordsToRunes splits both texts into words, spaces and punctuation, and
// gives each distinct token a rune, so that the diff runs on words.
func wordsToRunes(a, b string) ([]rune, []rune, map[rune]string) {
	ids := map[string]rune{}
	words := map[rune]string{}
	next := rune(0xE000)
	enc := func(s string) []rune {
		var out []rune
		for _, tok := range tokens(s) {
			r, ok := ids[tok]
			if !ok {
				r = next
				next++
				if next == 0xF900 { // past the private use area
					next = 0xF0000
				}
				ids[tok], words[r] = r, tok
			}
			out = append(out, r)
		}
		return out
	}
	return enc(a), enc(b), words
}

var tokenRE = regexp.MustCompile(`\s+|[\p{L}\p{N}_'’@#-]+|.`)

func tokens(s string) []string { return tokenRE.FindAllString(s, -1) }

// andList is "a, b and c".
func andList(items []string) string { return joinList(items, "and") }

// orList is "a, b or c".
func orList(items []string) string { return joinList(items, "or") }

func joinList(items []string, conj string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = "`" + path.Clean(s) + "`"
	}
	return out
}

func shortSHA(sha string) string {
	if len(sha) > 7 {
		sha = sha[:7]
	}
	return "`" + sha + "`"
}

// platformName is how a platform is written in a sentence.
func platformName(p string) string {
	if p == "" {
		return "the platform"
	}
	return render.PlatformName(p)
}

// warnings counts the actions a reviewer must not miss.
func warnings(p *reconcile.Plan) int {
	n := 0
	for _, a := range p.Actions {
		switch a.Kind {
		case reconcile.Late, reconcile.Frozen, reconcile.Drift, reconcile.Held, reconcile.Kept, reconcile.Delete:
			n++
		}
	}
	return n
}

// commentInvalid replaces the comment's plan with the problems of an
// invalid push, keeping the last valid plan below them under a banner
// that says it is out of date.
func commentInvalid(ctx context.Context, e *env, pr int, dir string, errs schema.Errors) error {
	read := ""
	if g, err := gitfs.Open(dir); err == nil {
		if h, err := g.Head(); err == nil {
			read = h.Commit
		}
		g.Close()
	}
	commit := headCommit(e, read)
	l := commentLinks(e, commit)
	var problems []string
	for _, pe := range errs {
		if pe.Severity == schema.SeverityWarning {
			continue
		}
		where := schema.Printable(pe.File)
		if pe.Line > 0 {
			where += fmt.Sprintf(":%d", pe.Line)
			if pe.Column > 0 {
				where += fmt.Sprintf(":%d", pe.Column)
			}
		}
		loc := "`" + strings.ReplaceAll(where, "`", "'") + "`"
		if l.ok() && pe.File != "" {
			anchor := ""
			if pe.Line > 0 {
				anchor = fmt.Sprintf("#L%d", pe.Line)
			}
			loc = "[" + loc + "](" + l.file(pe.File) + anchor + ")"
		}
		msg := schema.Printable(pe.Message)
		if pe.Field != "" {
			msg = "`" + strings.ReplaceAll(schema.Printable(pe.Field), "`", "'") + "`: " + msg
		}
		problems = append(problems, loc+" "+ghub.Cell(msg))
	}
	return postComment(ctx, e, pr, func(previous string) string {
		return ghub.Invalid(commit, problems, previous, ghub.MaxComment)
	})
}
