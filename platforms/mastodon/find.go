package mastodon

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// Find looks up an attempt whose outcome is unknown among the account's
// recent statuses. It never posts: a Finder that retried the create with
// the attempt's Idempotency-Key would create the post it was asked to look
// for. The key is used instead by the retry the reconciler makes when Find
// answers ErrNotFound, so within Mastodon's hour even a status Find missed
// is not posted twice.
//
// Statuses come as HTML, and the plain-text source is only returned by
// GET /api/v1/statuses/:id/source. So Find reads the account's statuses
// (newest first, reblogs excluded) back to when the attempt began, less
// platforms.ClockSkew (find_window when that is unknown), keeps those
// whose content, reduced to letters and digits, matches the part's text
// (mentions dropped, because the HTML shows @user@domain as @user) and
// whose spoiler_text and reply parent match, then confirms each candidate
// by comparing its source text and spoiler_text with the part exactly.
// Parts after the first are looked for among the replies to the part
// before.
//
// Nothing created before that boundary can be the attempt, so reaching it
// without a match proves the attempt absent (ErrNotFound), however busy
// the account. Every status newer than the first part is read with it, so
// a thread whose parts 1..k are found and whose part k+1 is not is an
// *platforms.IncompleteError with the receipt of the k parts, for the
// reconciler to resume. Two statuses that both match, a later part's text
// on a status outside the reply chain (a gap), or a scan that ran out of
// pages before the boundary is an error that asks a person to decide.
func (m *Mastodon) Find(ctx context.Context, p *platforms.Payload, a platforms.Attempt) (*platforms.Receipt, error) {
	key := a.Key
	if len(p.Parts) == 0 {
		return nil, errors.New("find: the post has no text parts")
	}
	o, err := readOptions(p)
	if err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	api, err := m.client()
	if err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	acct, err := m.ownAccount(ctx, api)
	if err != nil {
		return nil, err
	}
	sc, err := m.recent(ctx, api, acct, a.Since(m.now(), m.findWindow))
	if err != nil {
		return nil, err
	}
	r := &platforms.Receipt{Provider: Name}
	var newer []status // the statuses newer than part 1, once found
	for i, part := range p.Parts {
		candidates := sc.statuses
		if i > 0 {
			candidates = newer
		}
		parent := ""
		if i > 0 {
			parent = r.IDs[i-1]
		}
		found, err := m.match(ctx, api, candidates, part.Text, o.spoiler, func(st *status) bool { return st.replyTo() == parent })
		if err != nil {
			return nil, fmt.Errorf("find %s part %d of %d: %w", key, i+1, len(p.Parts), err)
		}
		switch {
		case len(found) > 1:
			return nil, fmt.Errorf("find %s part %d of %d: %d statuses hold the same text (%s): cannot tell which is this attempt",
				key, i+1, len(p.Parts), len(found), links(found))
		case len(found) == 0 && i == 0 && sc.complete:
			return nil, fmt.Errorf("find %s: no status since %s holds the post's text: %w", key, sc.describeSince(a), platforms.ErrNotFound)
		case len(found) == 0 && i == 0:
			return nil, fmt.Errorf("find %s: not among the account's %d latest statuses, which reach back to %s, not to %s: cannot tell whether it was posted",
				key, len(sc.statuses), sc.oldest.UTC().Format(time.RFC3339), sc.describeSince(a))
		case len(found) == 0:
			// Every status newer than part 1 was read, so part i+1 is
			// absent unless a status holds its text outside the chain.
			if err := m.gap(ctx, api, newer, p.Parts[i:], i, o.spoiler); err != nil {
				return nil, fmt.Errorf("find %s: parts 1 to %d of %d were posted (%s), but %w: check the thread on the server, then resolve the post",
					key, i, len(p.Parts), strings.Join(r.URLs, ", "), err)
			}
			return r, fmt.Errorf("find %s: %w", key, &platforms.IncompleteError{Found: i, Total: len(p.Parts)})
		}
		st := found[0]
		if i == 0 {
			r.PublishedAt = st.CreatedAt
			newer = sc.newerThan(st.ID)
		}
		r.IDs = append(r.IDs, st.ID)
		r.URLs = append(r.URLs, st.link())
	}
	return r, nil
}

// gap returns an error when a status among newer holds the text of one of
// parts (parts first..n, numbered from first+1) without being in the reply
// chain: then part first+1 may exist in a form Find cannot follow.
func (m *Mastodon) gap(ctx context.Context, api *httpx.Client, newer []status, parts []platforms.Part, first int, spoiler string) error {
	for j, part := range parts {
		found, err := m.match(ctx, api, newer, part.Text, spoiler, func(*status) bool { return true })
		if err != nil {
			return err
		}
		if len(found) > 0 {
			return fmt.Errorf("%s holds the text of part %d outside the reply chain", links(found), first+j+1)
		}
	}
	return nil
}

func links(sts []status) string {
	var urls []string
	for _, st := range sts {
		urls = append(urls, st.link())
	}
	return strings.Join(urls, ", ")
}

// ownAccount returns the token's account ID, from verify_credentials once.
func (m *Mastodon) ownAccount(ctx context.Context, api *httpx.Client) (string, error) {
	m.mu.Lock()
	id := m.accountID
	m.mu.Unlock()
	if id != "" {
		return id, nil
	}
	var acct struct {
		ID string `json:"id"`
	}
	if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "api/v1/accounts/verify_credentials"}, &acct); err != nil {
		return "", m.apiErr("verify credentials", err)
	}
	if acct.ID == "" {
		return "", errors.New("verify credentials: the answer holds no account id")
	}
	m.mu.Lock()
	m.accountID = acct.ID
	m.mu.Unlock()
	return acct.ID, nil
}

// scan is what one read of the account's statuses found.
type scan struct {
	// statuses are those created at or after since, newest first.
	statuses []status
	// complete says the read reached since (or the account's first
	// status): no status it did not read can be the attempt.
	complete bool
	since    time.Time
	// oldest is the creation time of the oldest status read.
	oldest time.Time
}

// describeSince says where the scan had to reach, for messages.
func (sc scan) describeSince(a platforms.Attempt) string {
	return a.DescribeSince(sc.since, "the find_window")
}

// newerThan returns the statuses read before the one with id: in the
// newest-first list, every status created after it.
func (sc scan) newerThan(id string) []status {
	for i, st := range sc.statuses {
		if st.ID == id {
			return sc.statuses[:i]
		}
	}
	return nil
}

// recent reads the account's own statuses, newest first, until one is
// older than since or a page is empty. Reading stops after maxPages
// pages; then the scan is not complete.
func (m *Mastodon) recent(ctx context.Context, api *httpx.Client, acct string, since time.Time) (scan, error) {
	sc := scan{since: since}
	maxID := ""
	for range maxPages {
		q := url.Values{"limit": {strconv.Itoa(pageSize)}, "exclude_reblogs": {"true"}}
		if maxID != "" {
			q.Set("max_id", maxID)
		}
		var page []status
		if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "api/v1/accounts/" + url.PathEscape(acct) + "/statuses", Query: q}, &page); err != nil {
			return scan{}, m.apiErr("list statuses", err)
		}
		if len(page) == 0 {
			sc.complete = true
			return sc, nil
		}
		for _, st := range page {
			sc.oldest = st.CreatedAt
			if st.CreatedAt.Before(since) {
				sc.complete = true
				return sc, nil
			}
			sc.statuses = append(sc.statuses, st)
		}
		maxID = page[len(page)-1].ID
	}
	return sc, nil
}

// source is Mastodon's StatusSource: what the author typed.
type source struct {
	ID          string `json:"id"`
	Text        string `json:"text"`
	SpoilerText string `json:"spoiler_text"`
}

// match returns the statuses among candidates that hold text with
// spoiler and that keep accepts, each confirmed by its source.
func (m *Mastodon) match(ctx context.Context, api *httpx.Client, candidates []status, text, spoiler string, keep func(*status) bool) ([]status, error) {
	want := fingerprint(text)
	text, spoiler = rubyStrip(text), rubyStrip(spoiler)
	var found []status
	for _, st := range candidates {
		if st.Reblog != nil || st.SpoilerText != spoiler || !keep(&st) {
			continue
		}
		if fingerprint(htmlText(st.Content)) != want {
			continue
		}
		var src source
		if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "api/v1/statuses/" + url.PathEscape(st.ID) + "/source"}, &src); err != nil {
			return nil, m.apiErr("read source of status "+st.ID, err)
		}
		if src.Text == text && src.SpoilerText == spoiler {
			found = append(found, st)
		}
	}
	return found, nil
}

var (
	// tagRE matches an HTML tag in Mastodon's sanitized content, where a
	// '>' inside an attribute is always escaped.
	tagRE = regexp.MustCompile(`<[^>]*>`)
	// mentionRE matches a mention as typed (@user@domain) or as shown
	// (@user), so that both sides drop it.
	mentionRE = regexp.MustCompile(`@[\p{L}\p{N}_.@-]*`)
)

// htmlText returns the text of Mastodon's HTML content: tags removed and
// entities decoded. Links keep their full URL, because Mastodon splits a
// long URL into visible and invisible spans without dropping characters.
func htmlText(content string) string {
	return html.UnescapeString(tagRE.ReplaceAllString(content, ""))
}

// fingerprint reduces text to its lower-cased letters and digits, with
// mentions removed, so that a status's HTML and its source compare equal
// however Mastodon formatted paragraphs, line breaks, links, hashtags and
// mentions. It only picks candidates; the source confirms them.
func fingerprint(s string) string {
	s = mentionRE.ReplaceAllString(s, "")
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// rubyStrip trims what Ruby's String#strip trims: Mastodon strips the text
// and spoiler_text of a local status before saving them.
func rubyStrip(s string) string {
	return strings.Trim(s, "\x00\t\n\v\f\r ")
}
