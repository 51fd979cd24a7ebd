package calendar

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// A/B variants (herald report --variants).
//
// Per post with variants and per platform, each variant's published
// targets are summed: how many (posts), their impressions and their
// engagements (likes, reposts, replies, quotes and saves: Interactions,
// as best times counts them), and the rate, engagements per impression.
// Each variant is compared with the control (base, the post as written,
// else the first variant by name) by a pooled two-proportion z-test on
// engagements per impression, two-sided: a p-value under 0.05 is
// "significant at 95%", anything else is "too small to tell". The test
// is made only where it means something; otherwise the comparison says
// "not enough data" and why:
//   - a target without impressions (the platform gives none, or sync has
//     not read them yet): there is no rate to test;
//   - more engagements than impressions: not a proportion;
//   - fewer than MinExpected expected engagements or non-engagements in
//     either variant under the pooled rate (n·p̂ and n·(1−p̂)), where the
//     normal approximation the z-test rests on does not hold.

// MinExpected is the fewest expected engagements, and non-engagements,
// each variant needs under the pooled rate before the z-test is made
// (the usual rule of thumb for the normal approximation).
const MinExpected = 5.0

// Alpha is the test's significance level: 0.05, "significant at 95%".
const Alpha = 0.05

// TestName names the statistical test, in every comparison.
const TestName = "two-proportion z-test (pooled), two-sided, on engagements per impression"

// VariantsReport compares the variants of every post that has some.
type VariantsReport struct {
	// Engagements says what an engagement is, and Test what is tested.
	Engagements string        `json:"engagements"`
	Test        string        `json:"test"`
	Posts       []VariantPost `json:"posts"`
}

// VariantPost is one post with variants, per platform.
type VariantPost struct {
	Post      string            `json:"post"`
	Title     string            `json:"title,omitempty"`
	Platforms []VariantPlatform `json:"platforms"`
}

// VariantPlatform is the variants of a post on one platform, and each
// compared with the control.
type VariantPlatform struct {
	Platform    string          `json:"platform"`
	Variants    []VariantLine   `json:"variants"`
	Comparisons []VariantResult `json:"comparisons"`
}

// VariantLine is what one variant earned on a platform. A sum is absent
// (nil) when none of its targets gave the metric.
type VariantLine struct {
	Variant string `json:"variant"`
	// Posts is how many of its targets were published with metrics.
	Posts       int      `json:"posts"`
	Impressions *int64   `json:"impressions,omitempty"`
	Engagements *int64   `json:"engagements,omitempty"`
	Rate        *float64 `json:"rate,omitempty"`
	// missingImpressions counts targets without impressions.
	missingImpressions int
}

// VariantResult compares a variant with the control.
type VariantResult struct {
	Variant string `json:"variant"`
	Against string `json:"against"`
	// Difference is the variant's rate minus the control's, in
	// percentage points, when both have a rate.
	Difference *float64 `json:"difference_points,omitempty"`
	Z          *float64 `json:"z,omitempty"`
	P          *float64 `json:"p,omitempty"`
	// Significant: p < Alpha.
	Significant bool `json:"significant"`
	// Verdict says it in words: "significant at 95%", "too small to
	// tell (p = 0.41)" or "not enough data: ...".
	Verdict string `json:"verdict"`
}

// BuildVariants compares the variants of every post one of whose
// targets sent a variant: per platform of its accounts, only published
// targets with metrics.
func BuildVariants(posts []Post) *VariantsReport {
	r := &VariantsReport{Engagements: "likes + reposts + replies + quotes + saves, where the platform gives them",
		Test: TestName, Posts: []VariantPost{}}
	Sort(posts)
	for _, p := range posts {
		has := false
		for _, t := range p.Targets {
			has = has || t.Variant != ""
		}
		if !has {
			continue
		}
		byPlatform := map[string]map[string]*VariantLine{}
		for _, t := range p.Targets {
			if t.Status != StatusPublished || t.Metrics == nil {
				continue
			}
			name := t.Variant
			if name == "" {
				name = "base" // published before the post had variants
			}
			platform := t.Platform
			if platform == "" {
				platform = "(unknown account)"
			}
			lines := byPlatform[platform]
			if lines == nil {
				lines = map[string]*VariantLine{}
				byPlatform[platform] = lines
			}
			l := lines[name]
			if l == nil {
				l = &VariantLine{Variant: name}
				lines[name] = l
			}
			l.Posts++
			var tot Totals
			tot.Add(t.Metrics)
			if tot.Impressions == nil {
				l.missingImpressions++
			} else {
				l.Impressions = add(l.Impressions, *tot.Impressions)
			}
			if n, ok := tot.Interactions(); ok {
				l.Engagements = add(l.Engagements, n)
			}
		}
		vp := VariantPost{Post: p.ID, Title: p.Name()}
		for _, platform := range sortedKeys(byPlatform) {
			vp.Platforms = append(vp.Platforms, comparePlatform(platform, byPlatform[platform]))
		}
		if len(vp.Platforms) > 0 {
			r.Posts = append(r.Posts, vp)
		}
	}
	return r
}

func add(p *int64, n int64) *int64 {
	if p != nil {
		n += *p
	}
	return &n
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// comparePlatform orders a platform's variants (the control first) and
// compares each other one with the control.
func comparePlatform(platform string, lines map[string]*VariantLine) VariantPlatform {
	names := sortedKeys(lines)
	if _, ok := lines["base"]; ok {
		names = append([]string{"base"}, removeName(names, "base")...)
	}
	vp := VariantPlatform{Platform: platform, Variants: []VariantLine{}, Comparisons: []VariantResult{}}
	for _, n := range names {
		l := lines[n]
		if l.Impressions != nil && l.Engagements != nil && *l.Impressions > 0 && l.missingImpressions == 0 {
			rate := round(float64(*l.Engagements)/float64(*l.Impressions), 6)
			l.Rate = &rate
		}
		vp.Variants = append(vp.Variants, *l)
	}
	if len(names) < 2 {
		return vp
	}
	control := lines[names[0]]
	for _, n := range names[1:] {
		vp.Comparisons = append(vp.Comparisons, compare(platform, control, lines[n]))
	}
	return vp
}

func removeName(names []string, drop string) []string {
	out := names[:0:0]
	for _, n := range names {
		if n != drop {
			out = append(out, n)
		}
	}
	return out
}

// compare tests variant b against control a.
func compare(platform string, a, b *VariantLine) VariantResult {
	res := VariantResult{Variant: b.Variant, Against: a.Variant}
	for _, l := range []*VariantLine{a, b} {
		switch {
		case l.Impressions == nil:
			res.Verdict = fmt.Sprintf("not enough data: %s gave no impressions for %s, so there is no rate to test", platform, l.Variant)
			return res
		case l.missingImpressions > 0:
			res.Verdict = fmt.Sprintf("not enough data: %d of %d %s posts of %s have no impressions", l.missingImpressions, l.Posts, platform, l.Variant)
			return res
		case l.Engagements == nil:
			res.Verdict = fmt.Sprintf("not enough data: %s gives no engagement metrics for %s", platform, l.Variant)
			return res
		case *l.Impressions == 0:
			res.Verdict = fmt.Sprintf("not enough data: %s has no impressions yet", l.Variant)
			return res
		case *l.Engagements > *l.Impressions:
			res.Verdict = fmt.Sprintf("not enough data: %s has more engagements (%d) than impressions (%d), so the rate is not a proportion", l.Variant, *l.Engagements, *l.Impressions)
			return res
		}
	}
	diff := round((*b.Rate-*a.Rate)*100, 4)
	res.Difference = &diff
	t := TwoProportion(*a.Engagements, *a.Impressions, *b.Engagements, *b.Impressions)
	if t.MinExpected < MinExpected {
		res.Verdict = fmt.Sprintf("not enough data: under the pooled rate a variant expects %s engagements or non-engagements, and the z-test needs %g of each", trimFloat(t.MinExpected, 1), MinExpected)
		return res
	}
	// Rounded, so that reports are the same bytes on every machine.
	z, pv := round(t.Z, 4), round(t.P, 4)
	res.Z, res.P = &z, &pv
	res.Significant = t.P < Alpha
	if res.Significant {
		res.Verdict = fmt.Sprintf("significant at 95%% (p = %s)", formatP(pv))
	} else {
		res.Verdict = fmt.Sprintf("too small to tell (p = %s)", formatP(pv))
	}
	return res
}

// ZTest is the result of a pooled two-proportion z-test.
type ZTest struct {
	// Z is (p2 − p1) / √(p̂(1 − p̂)(1/n1 + 1/n2)), p̂ the pooled rate.
	Z float64
	// P is the two-sided p-value, erfc(|Z|/√2).
	P float64
	// MinExpected is the smallest of n1·p̂, n1·(1−p̂), n2·p̂, n2·(1−p̂).
	MinExpected float64
}

// TwoProportion tests whether x2 successes in n2 trials differ from x1
// in n1, pooled. With no spread at all (p̂ 0 or 1) Z is 0 and P is 1.
func TwoProportion(x1, n1, x2, n2 int64) ZTest {
	f1, f2 := float64(n1), float64(n2)
	pooled := float64(x1+x2) / (f1 + f2)
	t := ZTest{P: 1, MinExpected: math.Min(math.Min(f1*pooled, f1*(1-pooled)), math.Min(f2*pooled, f2*(1-pooled)))}
	se := math.Sqrt(pooled * (1 - pooled) * (1/f1 + 1/f2))
	if se == 0 {
		return t
	}
	t.Z = (float64(x2)/f2 - float64(x1)/f1) / se
	t.P = math.Erfc(math.Abs(t.Z) / math.Sqrt2)
	return t
}

// formatP writes a p-value to two significant digits, "< 0.001" below.
func formatP(p float64) string {
	if p < 0.001 {
		return "< 0.001"
	}
	return strconv.FormatFloat(p, 'g', 2, 64)
}

// round rounds f to digits decimals.
func round(f float64, digits int) float64 {
	scale := math.Pow(10, float64(digits))
	return math.Round(f*scale) / scale
}

func trimFloat(f float64, prec int) string {
	return strconv.FormatFloat(f, 'f', prec, 64)
}

// WriteJSON writes the report as indented JSON.
func (r *VariantsReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes, per post and platform, a table of the variants and
// a line per comparison.
func (r *VariantsReport) WriteTable(w io.Writer) error {
	var b strings.Builder
	if len(r.Posts) == 0 {
		b.WriteString("No published post with variants has metrics yet: run herald sync after herald apply.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "Engagements: %s.\nTest: %s; significant when p < %g.\n", r.Engagements, r.Test, Alpha)
	for _, p := range r.Posts {
		fmt.Fprintf(&b, "\n# %s", p.Post)
		if p.Title != "" && p.Title != p.Post {
			fmt.Fprintf(&b, " (%s)", p.Title)
		}
		b.WriteString("\n")
		for _, pl := range p.Platforms {
			rows := [][]string{{"  " + pl.Platform, "POSTS", "IMPRESSIONS", "ENGAGEMENTS", "RATE"}}
			for _, l := range pl.Variants {
				rate := Absent
				if l.Rate != nil {
					rate = trimFloat(*l.Rate*100, 2) + "%"
				}
				rows = append(rows, []string{"    " + l.Variant, strconv.Itoa(l.Posts), metric(l.Impressions), metric(l.Engagements), rate})
			}
			writeAligned(&b, rows)
			for _, c := range pl.Comparisons {
				fmt.Fprintf(&b, "    %s vs %s: ", c.Variant, c.Against)
				if c.Difference != nil {
					fmt.Fprintf(&b, "%+.2f points", *c.Difference)
					if c.Z != nil {
						fmt.Fprintf(&b, ", z = %.2f", *c.Z)
					}
					b.WriteString("; ")
				}
				b.WriteString(c.Verdict + "\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func metric(p *int64) string {
	if p == nil {
		return Absent
	}
	return strconv.FormatInt(*p, 10)
}

// writeAligned writes rows with the first column left-aligned and the
// others right-aligned, two spaces apart.
func writeAligned(b *strings.Builder, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if i == 0 {
				line.WriteString(c + pad)
			} else {
				line.WriteString("  " + pad + c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}
