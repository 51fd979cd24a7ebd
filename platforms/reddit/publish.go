package reddit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// Target options (front-matter keys under the account) the adapter reads.
const (
	OptSubreddit = "subreddit"  // the subreddit, instead of the account's
	OptKind      = "kind"       // self or link; link when url is set
	OptURL       = "url"        // the link of a link post
	OptFlairID   = "flair_id"   // a flair template's ID
	OptFlairText = "flair_text" // the flair's text
	OptNSFW      = "nsfw"       // mark the post NSFW
	OptSpoiler   = "spoiler"    // mark the post a spoiler
)

// Receipt.Extra keys.
const (
	extraSubreddit    = "subreddit"
	extraKind         = "kind"
	extraTitleFP      = "title_fp"
	extraBodyFP       = "body_fp"
	extraTitleDerived = "title_derived" // "true": the title came from the text
)

// submission is what a payload asks Reddit for.
type submission struct {
	sr, kind, title, text, url, flairID, flairText string
	nsfw, spoiler, titleDerived                    bool
}

func boolOpt(p *platforms.Payload, key string) bool {
	b, _ := p.Options[key].(bool)
	return b
}

// deriveTitle is the first line of the text with words, cut at a word
// boundary to fit MaxTitle: a post without a title still has one.
func deriveTitle(text string) string {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimLeft(line, "#>*- "))
		if line == "" {
			continue
		}
		if utf8.RuneCountInString(line) <= MaxTitle {
			return line
		}
		r := []rune(line)[:MaxTitle-1]
		cut := string(r)
		if i := strings.LastIndexByte(cut, ' '); i > MaxTitle/2 {
			cut = cut[:i]
		}
		return strings.TrimRight(cut, " ,;:") + "…"
	}
	return ""
}

// submission reads what p asks for and checks it against Reddit's limits
// and the subreddit's known rules.
func (r *Reddit) submission(p *platforms.Payload) (*submission, error) {
	s := &submission{sr: r.subreddit, kind: "self", title: strings.TrimSpace(p.Title), text: p.Text(),
		nsfw: boolOpt(p, OptNSFW), spoiler: boolOpt(p, OptSpoiler)}
	if v, ok := p.Option("title"); ok {
		s.title = strings.TrimSpace(v)
	}
	if v, ok := p.Option(OptSubreddit); ok {
		s.sr = cleanSub(v)
	}
	if v, ok := p.Option(OptURL); ok {
		s.url, s.kind = v, "link"
	}
	if v, ok := p.Option(OptKind); ok {
		s.kind = v
	}
	s.flairID, _ = p.Option(OptFlairID)
	s.flairText, _ = p.Option(OptFlairText)
	if s.title == "" {
		s.title, s.titleDerived = deriveTitle(s.text), true
	}
	var errs []string
	rule := r.rules[strings.ToLower(s.sr)]
	maxTitle := MaxTitle
	if rule.MaxTitle > 0 {
		maxTitle = rule.MaxTitle
	}
	switch {
	case s.sr == "":
		errs = append(errs, "no subreddit: set subreddit on the account or subreddit: on the post")
	case !validSub.MatchString(s.sr):
		errs = append(errs, fmt.Sprintf("subreddit %q is not a subreddit's name", s.sr))
	}
	switch s.kind {
	case "self":
		if n := utf8.RuneCountInString(s.text); n > MaxText {
			errs = append(errs, fmt.Sprintf("the text is %d characters, Reddit takes at most %d", n, MaxText))
		}
	case "link":
		if s.titleDerived {
			errs = append(errs, "a link post needs title: (herald takes a self post's title from its first line, but a link post has no text)")
		}
		if u, err := url.Parse(s.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, "a link post needs url: set to an absolute http(s) URL")
		}
	default:
		errs = append(errs, fmt.Sprintf("kind %q: herald submits self (text) and link posts", s.kind))
	}
	if rule.SubmissionType != "" && rule.SubmissionType != "any" && rule.SubmissionType != s.kind {
		errs = append(errs, fmt.Sprintf("r/%s takes only %s posts (rules in the configuration), and this is a %s post", s.sr, rule.SubmissionType, s.kind))
	}
	switch n := utf8.RuneCountInString(s.title); {
	case n == 0:
		errs = append(errs, "no title: set title: (Reddit posts need one)")
	case n > maxTitle:
		errs = append(errs, fmt.Sprintf("the title is %d characters, r/%s takes at most %d", n, s.sr, maxTitle))
	}
	if utf8.RuneCountInString(s.flairID) > MaxFlairID {
		errs = append(errs, fmt.Sprintf("flair_id is longer than %d characters", MaxFlairID))
	}
	if utf8.RuneCountInString(s.flairText) > MaxFlairText {
		errs = append(errs, fmt.Sprintf("flair_text is longer than %d characters", MaxFlairText))
	}
	if rule.FlairRequired && s.flairID == "" && s.flairText == "" {
		errs = append(errs, fmt.Sprintf("r/%s requires flair: set flair_id or flair_text", s.sr))
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	return s, nil
}

var validSub = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_]{1,20}$`)

// body is what the post shows under its title: the text of a self post,
// the URL of a link post.
func (s *submission) body() string {
	if s.kind == "link" {
		return s.url
	}
	return s.text
}

// Prepare implements platforms.Preparer: a Reddit post has no thread, so
// the parts are joined into one self text (a link post shows its URL),
// and a post Reddit or the subreddit's known rules would refuse is
// refused here, where the plan shows it.
func (r *Reddit) Prepare(p *platforms.Payload) (*platforms.Payload, error) {
	s, err := r.submission(p)
	if err != nil {
		return nil, fmt.Errorf("reddit post for %s: %w", p.PostID, err)
	}
	p.Parts = []platforms.Part{{Text: s.body()}}
	if len(p.Media) > 0 {
		return nil, fmt.Errorf("reddit post for %s: %d media: herald submits self and link posts; link to the image with url: instead", p.PostID, len(p.Media))
	}
	return p, nil
}

func fp(parts ...string) string {
	h := sha256.New()
	for _, s := range parts {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// about is GET /r/{sub}/about's data.
type about struct {
	Data struct {
		DisplayName    string `json:"display_name"`
		SubmissionType string `json:"submission_type"`
		SubredditType  string `json:"subreddit_type"`
	} `json:"data"`
}

// checkSubreddit reads the subreddit's submission_type and refuses a
// post of a kind it does not take, before anything is submitted.
func (r *Reddit) checkSubreddit(ctx context.Context, s *submission) error {
	var a about
	_, err := r.do(ctx, httpx.Request{Method: http.MethodGet, Path: "r/" + url.PathEscape(s.sr) + "/about", Query: url.Values{"raw_json": {"1"}}}, &a)
	switch st := statusOf(err); {
	case st == http.StatusNotFound || st == http.StatusForbidden:
		return notCreated(fmt.Errorf("r/%s does not exist or is private or banned (%d): check the subreddit", s.sr, st))
	case err != nil:
		return asNotCreated(r.apiErr("read r/"+s.sr+"/about", err))
	}
	if t := a.Data.SubmissionType; t != "" && t != "any" && t != s.kind {
		return notCreated(fmt.Errorf("r/%s takes only %s posts, and this is a %s post: change kind or the subreddit", s.sr, t, s.kind))
	}
	return nil
}

// jsonErrors is api_type=json's envelope: errors as [code, message,
// field] triples, and data.
type jsonErrors struct {
	JSON struct {
		Errors [][]any `json:"errors"`
		Data   struct {
			URL  string `json:"url"`
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"data"`
	} `json:"json"`
}

// err turns the errors array into an *APIError: nothing was done.
// RATELIMIT (the account's own posting limit, "Take a break for 3
// minutes") is a retryable 429 with the wait it names.
func (j *jsonErrors) err(op string) error {
	if len(j.JSON.Errors) == 0 {
		return nil
	}
	var msgs []string
	code := ""
	for i, e := range j.JSON.Errors {
		parts := make([]string, 3)
		for k := 0; k < 3 && k < len(e); k++ {
			parts[k], _ = e[k].(string)
		}
		if i == 0 {
			code = parts[0]
		}
		m := parts[0] + ": " + parts[1]
		if parts[2] != "" {
			m += " (" + parts[2] + ")"
		}
		msgs = append(msgs, m)
	}
	ae := &platforms.APIError{Platform: Name, Code: code, Message: op + ": " + strings.Join(msgs, "; "), Outcome: platforms.NotCreated}
	if code == "RATELIMIT" {
		ae.Status = http.StatusTooManyRequests
		ae.RetryAfter = waitIn(msgs[0])
	}
	return ae
}

var waitRE = regexp.MustCompile(`(\d+) (second|minute|hour)`)

// waitIn reads "try again in 3 minutes" as a wait, a minute when it
// names none.
func waitIn(msg string) time.Duration {
	m := waitRE.FindStringSubmatch(msg)
	if m == nil {
		return time.Minute
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"second": time.Second, "minute": time.Minute, "hour": time.Hour}[m[2]]
	return time.Duration(n) * unit
}

func asNotCreated(err error) error {
	var ae *platforms.APIError
	if errors.As(err, &ae) {
		ae.Outcome = platforms.NotCreated
		return err
	}
	return notCreated(err)
}

// Publish implements platforms.Publisher: it checks the subreddit's
// submission type (check_subreddit), then POST /api/submit with
// api_type=json. Reddit has no idempotency key: an unknown outcome is
// settled by Find. resubmit is never sent, so a link already submitted to
// the subreddit is refused (ALREADY_SUB) rather than posted twice.
func (r *Reddit) Publish(ctx context.Context, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	s, err := r.submission(p)
	if err != nil {
		return nil, notCreated(fmt.Errorf("reddit post for %s: %w", p.PostID, err))
	}
	if r.checkAbout {
		if err := r.checkSubreddit(ctx, s); err != nil {
			return nil, err
		}
	}
	f := url.Values{"sr": {s.sr}, "kind": {s.kind}, "title": {s.title}, "sendreplies": {"true"},
		"nsfw": {strconv.FormatBool(s.nsfw)}, "spoiler": {strconv.FormatBool(s.spoiler)}}
	if s.kind == "link" {
		f.Set("url", s.url)
	} else {
		f.Set("text", s.text)
	}
	if s.flairID != "" {
		f.Set("flair_id", s.flairID)
	}
	if s.flairText != "" {
		f.Set("flair_text", s.flairText)
	}
	var out jsonErrors
	if _, err := r.form(ctx, "api/submit", f, &out); err != nil {
		return nil, r.apiErr("submit to r/"+s.sr, err)
	}
	if err := out.err("submit to r/" + s.sr); err != nil {
		return nil, err
	}
	d := out.JSON.Data
	if d.Name == "" && d.ID != "" {
		d.Name = "t3_" + d.ID
	}
	if d.Name == "" {
		return nil, &platforms.APIError{Platform: Name, Status: http.StatusOK, Outcome: platforms.Unknown,
			Message: "submit to r/" + s.sr + ": Reddit answered without the post's name; herald looks the attempt up among u/" + r.username + "'s submissions"}
	}
	r.log.Info("submitted to Reddit", "post_id", p.PostID, "subreddit", s.sr, "name", d.Name)
	return &platforms.Receipt{Provider: Name, IDs: []string{d.Name}, URLs: []string{d.URL}, PublishedAt: r.now().UTC(), Extra: extra(s)}, nil
}

func extra(s *submission) map[string]string {
	e := map[string]string{extraSubreddit: s.sr, extraKind: s.kind, extraTitleFP: fp(s.title), extraBodyFP: fp(s.body())}
	if s.titleDerived {
		e[extraTitleDerived] = "true"
	}
	return e
}
