package corpus

import (
	"math/rand/v2"
	"strings"
)

// Long-form sentence pools: a blog post's prose, in the subject's terms.
// Every sentence is ASCII and has no Markdown of its own but emphasis.
var (
	longOpeners = []string{
		"Today we are shipping {feature} in {product} {version}, and this post explains what changed and why.",
		"For the last few months a small team has been working on {feature}, and it is finally ready for everyone.",
		"When we looked at the support queue last spring, one theme kept coming back: {metric}.",
		"This is the story of how {feature} went from a hack week prototype to the default for every {product} team.",
	}
	longBody = []string{
		"The first version was simple, and it worked well for small projects.",
		"Large projects were a different story: {metric} grew with every new service.",
		"We measured everything before we changed anything, so that we would know when we were done.",
		"The numbers were clear: {metric} went down by {n}% in the first week of the beta.",
		"Some of the work was invisible, like moving the *scheduler* to a queue that survives restarts.",
		"Other parts were very visible, and we rewrote the settings page three times before it felt right.",
		"We talked to more than {n} teams during the beta, and their feedback shaped the final design.",
		"Nothing about your existing setup has to change, and the old behaviour stays one click away.",
		"Admins can turn the feature on for one team at a time and watch the dashboard as it rolls out.",
		"Under the hood, every request now carries a deadline, which keeps slow paths from piling up.",
		"The hardest bug we hit only showed up on Mondays, when weekly reports ran at the same minute.",
		"It turned out that caching was not the answer; doing less work was.",
		"We also wrote down what we decided not to build, and why, in the design notes.",
		"If you run {product} on your own servers, the upgrade is a single command and takes about a minute.",
		"Our own teams have used it every day since the first prototype, which caught a lot of rough edges.",
		"Performance stays flat as projects grow, which was the goal from the start.",
		"The documentation has a new section with examples for the most common setups.",
		"Each change went out behind a flag, so we could roll it back in seconds if something went wrong.",
	}
	longLinks = []string{
		"The full design notes are at https://example.com/blog/{slug}/design and the docs at https://docs.example.com/{slug}.",
		"You can read [the migration guide](https://docs.example.com/{slug}/migrate) before you upgrade.",
		"Benchmarks and the scripts behind them live in [our repository](https://github.com/example/{slug}).",
		"Try it today at https://app.example.com/{slug}?ref=blog and tell us how it goes.",
	}
	longListIntros = []string{
		"What you get in this release:",
		"Three things we learned along the way:",
		"Before you upgrade, check that:",
	}
	longListItems = []string{
		"faster {metric} on large projects",
		"a new settings page for {feature}",
		"per-team rollout controls",
		"an audit trail for every change",
		"the old behaviour, one click away",
		"docs with worked examples",
	}
	longClosers = []string{
		"Thanks to everyone who tested it and sent us notes. #{tag}",
		"As always, questions and ideas are welcome in the forum. #{tag}",
		"More is coming next quarter, and we will write about it here. #{tag}",
	}
)

// longPost draws the rest of a long-form post: accounts, tags, media,
// a title, a body of 100 to 400 words, and perhaps one account's own
// text.
func (g *generator) longPost(p post) post {
	r := g.r
	p.auto = true
	p.to = pick(r, Accounts, 1+r.IntN(4))
	p.tags = pick(r, tagPool, 1+r.IntN(4))
	if r.IntN(4) == 0 {
		p.campaign = campaigns[r.IntN(len(campaigns))]
	}
	if r.Float64() < g.opts.MediaRatio {
		p.media = append(p.media, pictures[r.IntN(len(pictures))])
	}
	s := newSubject(r, p.tags[0])
	p.title = s.fill(titles[r.IntN(len(titles))])
	p.parts = []string{s.longBody(r, 100+r.IntN(301))}
	if r.Float64() < g.opts.OverrideRatio {
		p.overrideTo = p.to[r.IntN(len(p.to))]
		p.overrideText = s.longBody(r, 40+r.IntN(81))
	}
	return p
}

// longBody returns prose of about words words (at least that many, less
// than a sentence more) in 2 to 6 paragraphs: an opener, body sentences,
// perhaps a link or a short list, and a closing line with a hashtag.
func (s *subject) longBody(r *rand.Rand, words int) string {
	nParas := 2 + r.IntN(5)
	closer := s.fill(longClosers[r.IntN(len(longClosers))])
	budget := words - countWords(closer)
	var paras []string
	para := []string{s.fill(longOpeners[r.IntN(len(longOpeners))])}
	budget -= countWords(para[0])
	withLink := r.IntN(2) == 0
	list := ""
	if r.IntN(4) == 0 {
		var b strings.Builder
		b.WriteString(longListIntros[r.IntN(len(longListIntros))])
		b.WriteString("\n")
		for _, k := range r.Perm(len(longListItems))[:2+r.IntN(3)] {
			b.WriteString("\n- ")
			b.WriteString(s.fill(longListItems[k]))
		}
		list = b.String()
		budget -= countWords(list)
	}
	// Sentences per paragraph, so that the paragraphs come out about even.
	per := max(1, (words/15)/nParas)
	order := r.Perm(len(longBody))
	for k := 0; budget > 0; k++ {
		var sentence string
		switch {
		case withLink && k == 2:
			sentence = s.fill(longLinks[r.IntN(len(longLinks))])
			withLink = false
		default:
			sentence = s.fill(longBody[order[k%len(order)]])
		}
		para = append(para, sentence)
		budget -= countWords(sentence)
		if len(para) >= per && len(paras) < nParas-2 {
			paras = append(paras, strings.Join(para, " "))
			para = nil
		}
	}
	if len(para) > 0 {
		paras = append(paras, strings.Join(para, " "))
	}
	if list != "" {
		paras = append(paras, list)
	}
	paras = append(paras, closer)
	return strings.Join(paras, "\n\n")
}

func countWords(s string) int { return len(strings.Fields(s)) }
