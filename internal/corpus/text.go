package corpus

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"
)

// subject is what one post is about; templates name its fields in braces.
type subject struct {
	product, feature, metric, slug, tag string
	n, drop                             int
	version                             string
}

// features are what posts announce, with the measure each improves.
var features = []struct{ feature, metric string }{
	{"incremental builds", "build times"},
	{"scheduled exports", "manual exports"},
	{"audit logs", "compliance reviews"},
	{"single sign-on", "login tickets"},
	{"offline mode", "sync errors"},
	{"dark mode", "eye strain complaints"},
	{"bulk editing", "time spent on cleanups"},
	{"smart retries", "failed deliveries"},
	{"usage dashboards", "billing questions"},
	{"webhook filters", "noisy alerts"},
	{"faster search", "search latency"},
	{"team templates", "setup time"},
	{"API rate insights", "throttled requests"},
	{"preview links", "review rounds"},
	{"regional hosting", "page load times"},
	{"keyboard shortcuts", "clicks per task"},
}

var products = []string{"Atlas", "Beacon", "Cobalt", "Drift", "Ember", "Fathom", "Harbor", "Lumen"}

// tagPool holds tags that read well as hashtags: letters only.
var tagPool = []string{
	"release", "devops", "opensource", "product", "engineering", "design",
	"security", "performance", "community", "events", "hiring", "tutorial",
	"changelog", "cloud", "data", "accessibility",
}

var campaigns = []string{"q1-launch", "spring-release", "summer-summit", "q3-growth", "autumn-update", "year-in-review"}

var titles = []string{
	"Now available: {feature}",
	"Introducing {feature} in {product}",
	"{product} {version}: {feature}",
	"How we cut {metric} by {n}%",
	"What's new in {product} {version}",
	"A closer look at {feature}",
	"Why we built {feature}",
}

// Sentence pools, by role. Each filled sentence stays under 80 runes so
// that any paragraph layout below fits MaxPartRunes.
var (
	openers = []string{
		"We just shipped *{feature}* in {product}.",
		"**{Feature}** is now live for every team.",
		"Big day: {product} now has *{feature}*.",
		"New in {product} {version}: **{feature}**.",
		"You asked, we built it: *{feature}*.",
		"Say hello to *{feature}* in {product}.",
	}
	details = []string{
		"It cuts {metric} by {n}% on large projects.",
		"In the beta, {metric} fell by {drop}% within a week.",
		"No migration needed: it works with your *existing* setup.",
		"It is on by default, and you can turn it off per project.",
		"Admins can roll it out to one team at a time.",
		"It took us {n} iterations to get it **right**.",
		"The hardest part was keeping it fast at scale.",
		"Everything runs in your region, close to your data.",
	}
	links = []string{
		"Read the write-up: https://example.com/blog/{slug}",
		"Details in [the changelog](https://example.com/changelog/{slug}).",
		"Docs: https://docs.example.com/{slug}",
		"Try it today: https://app.example.com/{slug}?ref=social",
		"Full story on [our blog](https://example.com/blog/{slug}).",
	}
	closers = []string{
		"Tell us what you think! #{tag}",
		"Questions? Just reply. #{tag}",
		"More to come this quarter. #{tag}",
		"Thanks to everyone who tested it. #{tag}",
		"#{tag}",
	}
	threadOpeners = []string{
		"We just shipped *{feature}* in {product}. Here is how it works 🧵",
		"**{Feature}** is live. A short thread on why and how:",
		"How we cut {metric} by {n}% with *{feature}*. A thread:",
	}
)

func newSubject(r *rand.Rand, tag string) subject {
	f := features[r.IntN(len(features))]
	return subject{
		product: products[r.IntN(len(products))],
		feature: f.feature,
		metric:  f.metric,
		slug:    strings.ReplaceAll(strings.ToLower(f.feature), " ", "-"),
		tag:     tag,
		n:       20 + r.IntN(70),
		drop:    10 + r.IntN(50),
		version: strconv.Itoa(2+r.IntN(4)) + "." + strconv.Itoa(r.IntN(10)),
	}
}

// fill replaces the subject's fields in a template. {Feature} is the
// feature with a capital first letter.
func (s *subject) fill(t string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			b.WriteString(t)
			return b.String()
		}
		j := strings.IndexByte(t[i:], '}')
		b.WriteString(t[:i])
		b.WriteString(s.field(t[i+1 : i+j]))
		t = t[i+j+1:]
	}
}

func (s *subject) field(name string) string {
	switch name {
	case "product":
		return s.product
	case "feature":
		return s.feature
	case "Feature":
		return strings.ToUpper(s.feature[:1]) + s.feature[1:]
	case "metric":
		return s.metric
	case "slug":
		return s.slug
	case "tag":
		return s.tag
	case "n":
		return strconv.Itoa(s.n)
	case "drop":
		return strconv.Itoa(s.drop)
	case "version":
		return s.version
	}
	panic("corpus: unknown template field " + name)
}

// single returns a one-part body: an opener with emphasis, perhaps a
// detail, a link, and a hashtag, in one to three paragraphs.
func (s *subject) single(r *rand.Rand) string {
	opener := s.fill(openers[r.IntN(len(openers))])
	link := s.fill(links[r.IntN(len(links))])
	closer := s.fill(closers[r.IntN(len(closers))])
	var paras []string
	switch r.IntN(3) {
	case 0: // one paragraph
		paras = []string{opener + " " + link + " " + closer}
	case 1: // two
		paras = []string{opener + " " + link, closer}
	default: // three, with a detail when it fits
		first := opener
		if d := s.fill(details[r.IntN(len(details))]); fits(opener+" "+d, link, closer) {
			first = opener + " " + d
		}
		paras = []string{first, link, closer}
	}
	return strings.Join(paras, "\n\n")
}

// thread returns the parts of a thread: an opener, details one or two to a
// part, and a last part with the link and the hashtag.
func (s *subject) thread(r *rand.Rand, n int) []string {
	parts := make([]string, 0, n)
	parts = append(parts, s.fill(threadOpeners[r.IntN(len(threadOpeners))]))
	order := r.Perm(len(details))
	for k := 0; len(parts) < n-1; k += 2 {
		a := s.fill(details[order[k%len(order)]])
		b := s.fill(details[order[(k+1)%len(order)]])
		if r.IntN(2) == 0 && fits(a, b) {
			parts = append(parts, a+"\n\n"+b)
		} else {
			parts = append(parts, a)
		}
	}
	link := s.fill(links[r.IntN(len(links))])
	closer := s.fill(closers[r.IntN(len(closers))])
	return append(parts, link+"\n\n"+closer)
}

// fits reports whether paragraphs joined by blank lines stay within
// MaxPartRunes.
func fits(paras ...string) bool {
	n := 2 * (len(paras) - 1)
	for _, p := range paras {
		n += utf8.RuneCountInString(p)
	}
	return n <= MaxPartRunes
}
