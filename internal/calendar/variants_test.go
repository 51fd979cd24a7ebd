package calendar

import (
	"bytes"
	"math"
	"testing"

	"github.com/heraldhq/herald/internal/golden"
	"github.com/heraldhq/herald/state"
)

// TestTwoProportion checks the z-test against values worked by hand.
func TestTwoProportion(t *testing.T) {
	tests := []struct {
		name           string
		x1, n1, x2, n2 int64
		z, p, expected float64
	}{
		// 100/1000 against 130/1000: pooled p̂ = 230/2000 = 0.115;
		// SE = √(0.115 · 0.885 · (1/1000 + 1/1000)) = √0.00020355 =
		// 0.0142671; z = (0.13 − 0.10) / 0.0142671 = 2.1027; the
		// two-sided p = 2(1 − Φ(2.1027)) = 0.0355. Least expected
		// count: 1000 · 0.115 = 115.
		{"significant", 100, 1000, 130, 1000, 2.1027, 0.0355, 115},
		// 50/1000 against 55/1000: p̂ = 0.0525; SE = √(0.0525 ·
		// 0.9475 · 0.002) = 0.0099737; z = 0.005 / 0.0099737 = 0.5013;
		// p = 2(1 − Φ(0.5013)) = 0.6162.
		{"too small", 50, 1000, 55, 1000, 0.5013, 0.6162, 52.5},
		// The other way round, z changes sign and p stays.
		{"reversed", 130, 1000, 100, 1000, -2.1027, 0.0355, 115},
		// 5/100 against 9/100: p̂ = 0.07, so each variant expects 7
		// engagements; z = 0.04 / √(0.07 · 0.93 · 0.02) = 1.1085.
		{"small counts", 5, 100, 9, 100, 1.1085, 0.2676, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TwoProportion(tt.x1, tt.n1, tt.x2, tt.n2)
			if math.Abs(got.Z-tt.z) > 5e-4 || math.Abs(got.P-tt.p) > 5e-4 || math.Abs(got.MinExpected-tt.expected) > 1e-9 {
				t.Errorf("TwoProportion(%d/%d, %d/%d) = %+v; want z %.4f, p %.4f, least expected %g",
					tt.x1, tt.n1, tt.x2, tt.n2, got, tt.z, tt.p, tt.expected)
			}
		})
	}
	if got := TwoProportion(0, 10, 0, 10); got.Z != 0 || got.P != 1 {
		t.Errorf("no engagement at all: %+v, want z 0 and p 1", got)
	}
}

func metrics(likes, reposts, impressions int64, withImpressions bool) *state.Metrics {
	m := &state.Metrics{Likes: &likes, Reposts: &reposts}
	if withImpressions {
		m.Impressions = &impressions
	}
	return m
}

// variantsFixture is three posts with variants and one without: a
// headline test on two LinkedIn pages (significant), a time test on X
// (too small to tell), a hashtag test on Mastodon (no impressions), and
// a format test with too few impressions.
func variantsFixture() []Post {
	pub := func(name, platform, variant string, m *state.Metrics) Target {
		return Target{Name: name, Status: StatusPublished, At: at("2026-12-01T09:00:00Z"), Platform: platform, Variant: variant, Metrics: m}
	}
	return []Post{
		{ID: "headline", Title: "Launching v2", At: at("2026-12-01T09:00:00Z"), Targets: []Target{
			pub("linkedin:company", "linkedin", "base", metrics(80, 20, 1000, true)),
			pub("linkedin:ceo", "linkedin", "question", metrics(100, 30, 1000, true)),
			pub("blog", "ghost", "base", nil),
		}},
		{ID: "evening", Title: "Tips", At: at("2026-12-02T09:00:00Z"), Targets: []Target{
			pub("x", "x", "base", metrics(40, 10, 1000, true)),
			pub("x~evening", "x", "evening", metrics(45, 10, 1000, true)),
		}},
		{ID: "hashtags", Title: "Release notes", At: at("2026-12-03T09:00:00Z"), Targets: []Target{
			pub("mastodon", "mastodon", "base", metrics(12, 3, 0, false)),
			pub("mastodon~tags", "mastodon", "tags", metrics(20, 6, 0, false)),
		}},
		{ID: "format", Title: "Screenshot", At: at("2026-12-04T09:00:00Z"), Targets: []Target{
			pub("bluesky", "bluesky", "base", metrics(2, 0, 40, true)),
			pub("bluesky2", "bluesky", "image", metrics(4, 1, 40, true)),
			{Name: "bluesky~late", Status: "scheduled", Platform: "bluesky", Variant: "late"},
		}},
		{ID: "plain", Title: "No test", At: at("2026-12-05T09:00:00Z"), Targets: []Target{
			pub("x", "x", "", metrics(1, 1, 10, true)),
		}},
	}
}

func TestVariantsReport(t *testing.T) {
	r := BuildVariants(variantsFixture())
	var table, js bytes.Buffer
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "variants.table", table.Bytes())
	golden.Check(t, "variants.json", js.Bytes())

	var empty bytes.Buffer
	if err := BuildVariants(nil).WriteTable(&empty); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "variants-none.table", empty.Bytes())
}
