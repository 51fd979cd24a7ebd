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
// (newest first, reblogs excluded) back to the find_window, keeps those
// whose content, reduced to letters and digits, matches the part's text
// (mentions dropped, because the HTML shows @user@domain as @user) and
// whose spoiler_text and reply parent match, then confirms each candidate
// by comparing its source text and spoiler_text with the part exactly.
// Parts after the first are looked for among the replies to the part
// before.
//
// It returns ErrNotFound only when the first part is surely absent: the
// whole window was read. A thread found in part, two statuses that both
// match, or a window it could not read to the end is an error that asks a
// person to decide.
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
	recent, complete, err := m.recent(ctx, api, acct)
	if err != nil {
		return nil, err
	}
	r := &platforms.Receipt{Provider: Name}
	parent := ""
	for i, part := range p.Parts {
		st, err := m.match(ctx, api, recent, part.Text, o.spoiler, parent, i == 0)
		if err != nil {
			return nil, fmt.Errorf("find %s part %d of %d: %w", key, i+1, len(p.Parts), err)
		}
		if st == nil {
			if i == 0 && complete {
				return nil, fmt.Errorf("find %s: no status of the last %s holds the post's text: %w", key, m.findWindow, platforms.ErrNotFound)
			}
			if i == 0 {
				return nil, fmt.Errorf("find %s: not among the account's %d latest statuses, which do not reach back %s: cannot tell whether it was posted", key, len(recent), m.findWindow)
			}
			return nil, fmt.Errorf("find %s: parts 1 to %d of %d were posted (%s), the rest were not: check the thread on the server, then resolve the post",
				key, i, len(p.Parts), strings.Join(r.URLs, ", "))
		}
		if i == 0 {
			r.PublishedAt = st.CreatedAt
		}
		r.IDs = append(r.IDs, st.ID)
		r.URLs = append(r.URLs, st.link())
		parent = st.ID
	}
	return r, nil
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

// recent reads the account's own statuses, newest first, until a page is
// empty or reaches back past the find window. complete is false when
// maxPages ran out first.
func (m *Mastodon) recent(ctx context.Context, api *httpx.Client, acct string) (_ []status, complete bool, _ error) {
	since := m.now().Add(-m.findWindow)
	var out []status
	maxID := ""
	for range maxPages {
		q := url.Values{"limit": {strconv.Itoa(pageSize)}, "exclude_reblogs": {"true"}}
		if maxID != "" {
			q.Set("max_id", maxID)
		}
		var page []status
		if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "api/v1/accounts/" + url.PathEscape(acct) + "/statuses", Query: q}, &page); err != nil {
			return nil, false, m.apiErr("list statuses", err)
		}
		if len(page) == 0 {
			return out, true, nil
		}
		out = append(out, page...)
		last := page[len(page)-1]
		if last.CreatedAt.Before(since) {
			return out, true, nil
		}
		maxID = last.ID
	}
	return out, false, nil
}

// source is Mastodon's StatusSource: what the author typed.
type source struct {
	ID          string `json:"id"`
	Text        string `json:"text"`
	SpoilerText string `json:"spoiler_text"`
}

// match returns the one status among recent that holds text with spoiler,
// replying to parent (to nothing when first), confirmed by its source; nil
// when none does.
func (m *Mastodon) match(ctx context.Context, api *httpx.Client, recent []status, text, spoiler, parent string, first bool) (*status, error) {
	want := fingerprint(text)
	text, spoiler = rubyStrip(text), rubyStrip(spoiler)
	var found []status
	for _, st := range recent {
		if st.Reblog != nil || st.SpoilerText != spoiler {
			continue
		}
		if (first && st.replyTo() != "") || (!first && st.replyTo() != parent) {
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
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return &found[0], nil
	default:
		var urls []string
		for _, st := range found {
			urls = append(urls, st.link())
		}
		return nil, fmt.Errorf("%d statuses hold the same text (%s): cannot tell which is this attempt", len(found), strings.Join(urls, ", "))
	}
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
