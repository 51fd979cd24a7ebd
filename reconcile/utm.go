package reconcile

import (
	"github.com/heraldhq/herald/platforms/render"
	"github.com/heraldhq/herald/schema"
)

// tagged is what a target whose links carry UTM parameters adds to its
// summary: the hash of its rendering without them, and the query.
type tagged struct {
	hash, query string
}

// tagLinks returns post p as target t receives it, with its own links
// tagged when the configuration's utm says so, and the tagger; p itself
// and nil when no link changes. Without a utm setting it costs a map
// look-up.
func tagLinks(cfg *schema.Config, p *schema.Post, t schema.Target) (*schema.Post, *schema.Tagger) {
	if cfg == nil {
		return p, nil
	}
	tg := cfg.Tagger(p, t)
	if tg == nil {
		return p, nil
	}
	q, ok := render.TagLinks(p, t, tg)
	if !ok {
		return p, nil
	}
	return q, tg
}
