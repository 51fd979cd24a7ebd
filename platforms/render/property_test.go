package render

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/heraldhq/herald/schema"
)

// randomBody writes a random Markdown body of about words words: prose
// in paragraphs, with URLs, Markdown links, mentions, tags, emoji
// sequences, CJK text, accents and combining marks, line breaks and
// short lists.
func randomBody(r *rand.Rand, words int) string {
	tokens := []string{
		"the", "a", "release", "builds", "faster", "every", "team", "we", "shipped", "today", "and",
		"incremental", "configuration", "überprüfung", "café", "naïve", "e\u0301te\u0301", "日本語のテキスト", "中文",
		"한국어", "👍", "👩\u200d👩\u200d👧", "🇫🇷", "1\ufe0f\u20e3", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F",
		"https://example.com/blog/some-post", "http://t.co/abc123", "example.org", "docs.example.com/path?q=1",
		"[the guide](https://docs.example.com/guide)", "@maria", "@ops@hachyderm.io", "@team.bsky.social", "#release",
		"#devops", "(see", "notes)", "\"quoted\"", "it's", "x_y", "a|b", "{braces}", "<angle>", "~tilde",
		"—", "…", "ok.", "done!", "why?", "end。", "다음！",
	}
	var b strings.Builder
	for w := 0; w < words; w++ {
		switch k := r.IntN(40); {
		case k == 0 && w > 0:
			b.WriteString("\n\n")
		case k == 1 && w > 0:
			b.WriteString("\n\n- item one\n- item two\n\n")
		case k == 2 && w > 0:
			b.WriteString("  \n") // a hard break
		case k < 8 && w > 0:
			b.WriteString(". ")
		default:
			if w > 0 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(tokens[r.IntN(len(tokens))])
	}
	return b.String()
}

// TestSplitProperties renders random long bodies for every platform,
// threaded and numbered, and checks that every part is within the
// platform's limit and that the parts, joined, give back the text (less
// the white space between them and the i/n markers).
func TestSplitProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	platforms := []string{PlatformX, PlatformBluesky, PlatformMastodon, PlatformThreads, PlatformLinkedIn}
	for i := range 100 {
		src := randomBody(r, 20+r.IntN(600))
		for _, platform := range platforms {
			for _, mode := range []schema.ThreadMode{schema.ThreadAuto, schema.ThreadNumbered} {
				name := fmt.Sprintf("%d/%s/%s", i, platform, mode)
				lim := benchLimits[platform]
				if r.IntN(3) == 0 {
					lim.Length = lim.Length / (2 + r.IntN(3)) // tighter limits split more
				}
				p := postFromMarkdown(src)
				p.Thread = mode
				target := schema.Target{Name: platform, Platform: platform}
				o, err := Render(p, target, lim)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				for k, part := range o.Parts {
					if k == MaxThreadParts-1 {
						break // the rest of a text too long for a thread, over the limit by design
					}
					if part.Length > lim.Length || lim.Bytes > 0 && part.Bytes > lim.Bytes {
						t.Fatalf("%s: part %d of %d is %d long, %d bytes, over %+v:\n%q", name, k+1, len(o.Parts), part.Length, part.Bytes, lim, part.Text)
					}
				}
				// The parts joined give the text back.
				rl := rulesFor(platform)
				bt := buildText(p.Body.Parts[0].Blocks, rl.style)
				var joined []string
				if rl.escape {
					// LinkedIn's parts are escaped: join the pieces the
					// split made, before escaping.
					var rr Renderer
					ps := rr.newPartSplit(rl, bt)
					if fitsWhole(rl, bt, lim, 0, "") {
						joined = []string{bt.text}
					} else {
						for _, sub := range ps.split(lim, 0, reserveFor(mode, len(o.Parts))) {
							joined = append(joined, sub.text)
						}
					}
					if len(joined) != len(o.Parts) {
						t.Fatalf("%s: %d pieces, %d parts", name, len(joined), len(o.Parts))
					}
				} else {
					for k, part := range o.Parts {
						text := part.Text
						if mode == schema.ThreadNumbered && len(o.Parts) > 1 {
							suffix := fmt.Sprintf(" %d/%d", k+1, len(o.Parts))
							if !strings.HasSuffix(text, suffix) {
								t.Fatalf("%s: part %d does not end with %q: %q", name, k+1, suffix, text)
							}
							text = strings.TrimSuffix(text, suffix)
						}
						joined = append(joined, text)
					}
				}
				if err := joinsTo(bt.text, joined); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
		}
	}
}

// reserveFor is the numbering room Render keeps for n parts.
func reserveFor(mode schema.ThreadMode, n int) string {
	if mode != schema.ThreadNumbered {
		return ""
	}
	nines := strings.Repeat("9", len(fmt.Sprint(n)))
	return " " + nines + "/" + nines
}

// joinsTo checks that pieces are text, in order, with only white space
// between them and around them.
func joinsTo(text string, pieces []string) error {
	pos := skipSpace(text, 0)
	for k, p := range pieces {
		if p == "" || !strings.HasPrefix(text[pos:], p) {
			return fmt.Errorf("piece %d of %d %q is not the text at %d: %q", k+1, len(pieces), p, pos, text[pos:min(len(text), pos+len(p)+20)])
		}
		pos = skipSpace(text, pos+len(p))
	}
	if pos != len(text) {
		return fmt.Errorf("the pieces end at %d of %d: %q is left", pos, len(text), text[pos:])
	}
	return nil
}

// TestWeightsAgreeWithCounters checks that the running weights pack the
// random bodies as the platforms' counters would, without falling back
// to measuring every candidate with the counter: the fallback is for
// texts the weights cannot foresee, not for the common ones.
func TestWeightsAgreeWithCounters(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for i := range 150 {
		src := randomBody(r, 20+r.IntN(600))
		for _, platform := range []string{PlatformX, PlatformBluesky, PlatformMastodon, PlatformThreads, PlatformLinkedIn} {
			rl := rulesFor(platform)
			bt := buildText(postFromMarkdown(src).Body.Parts[0].Blocks, rl.style)
			var rr Renderer
			ps := rr.newPartSplit(rl, bt)
			lim := benchLimits[platform]
			fits := func(s span) bool {
				n, b := measure(rl, ps.sg.text[s.start:s.end])
				return !(lim.Bytes > 0 && b > lim.Bytes || lim.Length > 0 && n > lim.Length)
			}
			if _, ok := ps.packWeighted(lim, 0, 0, fits); !ok {
				t.Errorf("%d/%s: the weights and the counter disagree on %q", i, platform, bt.text)
			}
			rr.Release()
		}
	}
}
