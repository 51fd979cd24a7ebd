package calendar

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// ICSOptions are what an iCalendar feed needs beyond the posts.
type ICSOptions struct {
	// Now stamps every event (DTSTAMP): when the feed was written.
	Now time.Time
	// Name names the calendar in calendar apps (X-WR-CALNAME).
	Name string
}

// icsTime is RFC 5545's UTC date-time form.
const icsTime = "20060102T150405Z"

// WriteICS writes an iCalendar feed (RFC 5545) of the scheduled and
// published posts (a post with any target out or ahead), one VEVENT per post, which a team subscribes to in its
// calendar app. Events keep their UID across runs (it is derived from the
// post ID), so an app updates a moved post rather than adding a second.
func WriteICS(w io.Writer, posts []Post, opt ICSOptions) error {
	var b strings.Builder
	line := func(name, value string) { writeFolded(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//herald//herald calendar//EN")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	if opt.Name != "" {
		line("X-WR-CALNAME", EscapeText(opt.Name))
	}
	Sort(posts)
	stamp := opt.Now.UTC().Format(icsTime)
	for _, p := range posts {
		if !InFeed(p) {
			continue
		}
		published := p.has(StatusPublished)
		line("BEGIN", "VEVENT")
		uid := UID(p.ID)
		if p.Occurrence > 1 {
			// Each occurrence of a recurring post is an event of its own.
			uid = UID(fmt.Sprintf("%s#%d", p.ID, p.Occurrence))
		}
		line("UID", uid)
		line("DTSTAMP", stamp)
		line("DTSTART", p.At.UTC().Format(icsTime))
		line("DURATION", "PT15M")
		line("SUMMARY", EscapeText(p.Name()))
		line("DESCRIPTION", EscapeText(describe(p)))
		if p.Campaign != "" {
			line("CATEGORIES", EscapeText(p.Campaign))
		}
		if url := firstURL(p); url != "" {
			line("URL", url)
		}
		if published {
			line("STATUS", "CONFIRMED")
		} else {
			line("STATUS", "TENTATIVE")
		}
		line("TRANSP", "TRANSPARENT")
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	_, err := io.WriteString(w, b.String())
	return err
}

// InFeed reports whether a post is an event of the feed: it has a date
// and a target published or scheduled.
func InFeed(p Post) bool {
	return !p.At.IsZero() && (p.has(StatusPublished) || p.has(StatusScheduled))
}

// has reports whether any target of p is in the status bucket s.
func (p Post) has(s string) bool {
	for _, t := range p.Targets {
		if bucket(t.Status) == s {
			return true
		}
	}
	return false
}

// UID is a post's event UID: stable across runs and renames of nothing
// but the ID, and free of the characters an ID may hold.
func UID(postID string) string {
	sum := sha256.Sum256([]byte(postID))
	return hex.EncodeToString(sum[:12]) + "@herald"
}

// describe is an event's DESCRIPTION: the post, then one line per target
// with its status and URLs.
func describe(p Post) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Post: %s\n", p.ID)
	if p.Campaign != "" {
		fmt.Fprintf(&b, "Campaign: %s\n", p.Campaign)
	}
	for _, t := range p.Targets {
		fmt.Fprintf(&b, "%s: %s", t.Name, t.Status)
		for _, u := range t.URLs {
			b.WriteString(" " + u)
		}
		b.WriteString("\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func firstURL(p Post) string {
	for _, t := range p.Targets {
		if len(t.URLs) > 0 {
			return t.URLs[0]
		}
	}
	return ""
}

// EscapeText escapes a TEXT value as RFC 5545 section 3.3.11 asks:
// backslash, semicolon and comma with a backslash, a newline as \n.
func EscapeText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `;`, `\;`, `,`, `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// writeFolded writes one content line ending in CRLF, folded so that no
// line is longer than 75 octets (RFC 5545 section 3.1): each continuation
// starts with a space, and no UTF-8 character is split.
func writeFolded(b *strings.Builder, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		// A continuation line's leading space counts.
		limit = 74
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
