package render

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/schema"
)

// TestRendererShares: one Renderer rendering a post for every platform,
// each thread mode, twice over, gives what a Renderer of its own gives
// each target, and no two Outputs share facets: on random bodies and
// the long-form corpus (whose posts give accounts texts of their own).
func TestRendererShares(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	var posts []*schema.Post
	for range 60 {
		posts = append(posts, postFromMarkdown(randomBody(r, 20+r.IntN(500))))
	}
	posts = append(posts, longFormPosts(t, 40)...)
	platforms := []string{PlatformX, PlatformThreads, PlatformBluesky, PlatformMastodon, PlatformLinkedIn, "instagram", "facebook", "ghost", "pinterest"}
	for i, p := range posts {
		for _, mode := range []schema.ThreadMode{schema.ThreadManual, schema.ThreadAuto, schema.ThreadNumbered} {
			p.Thread = mode
			var shared Renderer
			var outs []*Output
			for range 2 {
				for _, platform := range platforms {
					tg := schema.Target{Name: platform, Platform: platform}
					for _, to := range p.To {
						if to.Platform == platform {
							tg = to // the account's own text, if it has one
						}
					}
					got, err := shared.Render(p, tg, benchLimits[platform])
					if err != nil {
						t.Fatal(err)
					}
					want, err := Render(p, tg, benchLimits[platform])
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Fatalf("%d/%s/%s: shared Renderer (-own +shared):\n%s", i, mode, platform, diff)
					}
					outs = append(outs, got)
				}
			}
			shared.Release()
			// Change every facet of every output: none shows in another.
			for k, o := range outs {
				for _, part := range o.Parts {
					for f := range part.Facets {
						part.Facets[f].Value += fmt.Sprintf("\x00%d", k)
					}
				}
			}
			for k, o := range outs {
				for _, part := range o.Parts {
					for _, f := range part.Facets {
						if strings.Count(f.Value, "\x00") != 1 || !strings.HasSuffix(f.Value, fmt.Sprintf("\x00%d", k)) {
							t.Fatalf("%d/%s: output %d's facet %q was changed through another output", i, mode, k, f.Value)
						}
					}
				}
			}
		}
	}
}
