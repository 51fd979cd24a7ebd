package youtube

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/heraldhq/herald/platforms"
)

// Snippet is the video resource's snippet as herald sends it.
type Snippet struct {
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Tags        []string `json:"tags,omitempty"`
	CategoryID  string   `json:"categoryId"`
}

// Status is the video resource's status as herald sends it.
type Status struct {
	PrivacyStatus           string `json:"privacyStatus"`
	SelfDeclaredMadeForKids bool   `json:"selfDeclaredMadeForKids"`
}

// Video is the video resource herald sends with an upload and an edit:
// what a post becomes on YouTube.
type Video struct {
	ID      string  `json:"id,omitempty"`
	Snippet Snippet `json:"snippet"`
	Status  Status  `json:"status"`
}

// Render turns a payload into the video resource, with the account's
// defaults: pure, so that it is golden-tested and the same for an upload
// and an edit.
//
//   - title: the post's title, else the text's first line cut at a word
//     to MaxTitle characters with "…"; a title herald was given and that
//     is too long is an error, not cut.
//   - description: the whole text (a thread's parts joined by blank
//     lines), at most MaxDescription bytes.
//   - YouTube refuses '<' and '>' in both (invalidTitle,
//     invalidDescription); they become '‹' and '›'.
//   - tags: the post's tags, together at most MaxTags characters, as
//     YouTube counts them (a comma between tags, quotes around a tag with
//     a space).
//   - category_id, privacy and made_for_kids options override the
//     account's settings.
func (y *YouTube) Render(p *platforms.Payload) (*Video, error) {
	return render(p, y.category, y.privacy, y.kids)
}

func render(p *platforms.Payload, category, privacy string, kids bool) (*Video, error) {
	desc := angle(p.Text())
	title := angle(strings.TrimSpace(p.Title))
	if t, ok := p.Option("title"); ok {
		title = angle(strings.TrimSpace(t))
	}
	if title == "" {
		title = derivedTitle(desc)
	} else if n := utf8.RuneCountInString(title); n > MaxTitle {
		return nil, fmt.Errorf("title has %d characters; YouTube takes at most %d: shorten the title or set a youtube title override", n, MaxTitle)
	}
	if title == "" {
		return nil, errors.New("the video has no title: give the post a title or a text")
	}
	if n := len(desc); n > MaxDescription {
		return nil, fmt.Errorf("description has %d bytes; YouTube takes at most %d", n, MaxDescription)
	}
	v := &Video{Snippet: Snippet{Title: title, Description: desc, CategoryID: category},
		Status: Status{PrivacyStatus: privacy, SelfDeclaredMadeForKids: kids}}
	if c, ok := p.Option("category_id"); ok {
		v.Snippet.CategoryID = c
	}
	if pr, ok := p.Option("privacy"); ok {
		if !validPrivacy(pr) {
			return nil, fmt.Errorf("option privacy: %q: want public, unlisted or private", pr)
		}
		v.Status.PrivacyStatus = pr
	}
	if k, ok := p.Options["made_for_kids"].(bool); ok {
		v.Status.SelfDeclaredMadeForKids = k
	}
	total := 0
	for _, t := range p.Tags {
		t = strings.TrimPrefix(strings.TrimSpace(angle(t)), "#")
		if t == "" {
			continue
		}
		n := utf8.RuneCountInString(t)
		if strings.Contains(t, " ") {
			n += 2
		}
		if len(v.Snippet.Tags) > 0 {
			n++
		}
		total += n
		v.Snippet.Tags = append(v.Snippet.Tags, t)
	}
	if total > MaxTags {
		return nil, fmt.Errorf("tags take %d characters as YouTube counts them; it takes at most %d", total, MaxTags)
	}
	return v, nil
}

// angle replaces the angle brackets YouTube refuses.
func angle(s string) string { return strings.NewReplacer("<", "‹", ">", "›").Replace(s) }

// derivedTitle is the text's first non-empty line, cut at a word to
// MaxTitle characters.
func derivedTitle(text string) string {
	var line string
	for l := range strings.SplitSeq(text, "\n") {
		if line = strings.TrimSpace(l); line != "" {
			break
		}
	}
	if utf8.RuneCountInString(line) <= MaxTitle {
		return line
	}
	r := []rune(line)[:MaxTitle-1]
	cut := string(r)
	if i := strings.LastIndex(cut, " "); i > MaxTitle/2 {
		cut = cut[:i]
	}
	return strings.TrimSpace(cut) + "…"
}

// videoOf is the payload's video: the first medium whose type is video/*.
func videoOf(p *platforms.Payload) (platforms.Media, bool) {
	for _, m := range p.Media {
		if strings.HasPrefix(m.Type, "video/") {
			return m, true
		}
	}
	return platforms.Media{}, false
}

// thumbnailOf is the payload's thumbnail: the first image.
func thumbnailOf(p *platforms.Payload) (platforms.Media, bool) {
	for _, m := range p.Media {
		if strings.HasPrefix(m.Type, "image/") {
			return m, true
		}
	}
	return platforms.Media{}, false
}

// Prepare implements platforms.Preparer: a video has one description, so
// the parts become one, as Render makes it (angle brackets replaced), and
// a post Render refuses (a title or description too long) is refused
// before the plan shows it.
func (y *YouTube) Prepare(p *platforms.Payload) (*platforms.Payload, error) {
	v, err := y.Render(p)
	if err != nil {
		return nil, err
	}
	p.Parts = []platforms.Part{{Text: v.Snippet.Description}}
	return p, nil
}
