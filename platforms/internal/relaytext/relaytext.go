// Package relaytext turns a payload rendered for a platform into what a
// relay (Post for Me, Late) takes for it: one caption, with every link
// written out in full, since a caption carries no facets.
package relaytext

import (
	"fmt"
	"sort"

	"github.com/heraldhq/herald/platforms"
)

// Caption returns the payload's one caption for relay: its single part's
// text with each link facet's span replaced by the facet's URL when the
// span shows less (Bluesky's shortened link text). A thread of several
// parts is refused: a relay post is one post, and cutting a thread into
// one caption would publish something the plan did not show.
func Caption(relay string, p *platforms.Payload) (string, error) {
	if len(p.Parts) != 1 {
		return "", fmt.Errorf("%s publishes one post, and this is a thread of %d parts: publish it directly, or make it fit one post", relay, len(p.Parts))
	}
	part := p.Parts[0]
	text := part.Text
	facets := append([]platforms.Facet(nil), part.Facets...)
	sort.Slice(facets, func(i, j int) bool { return facets[i].Start > facets[j].Start })
	for _, f := range facets {
		if f.Type != platforms.FacetLink || f.Start < 0 || f.End > len(text) || f.Start > f.End {
			continue
		}
		if text[f.Start:f.End] != f.Value {
			text = text[:f.Start] + f.Value + text[f.End:]
		}
	}
	return text, nil
}

// Prepare returns p with its one part's text set to Caption and no
// facets: what the plan shows and the relay receives.
func Prepare(relay string, p *platforms.Payload) (*platforms.Payload, error) {
	text, err := Caption(relay, p)
	if err != nil {
		return nil, err
	}
	p.Parts = []platforms.Part{{Text: text}}
	return p, nil
}
