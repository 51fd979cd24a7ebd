package blogtext

import "testing"

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"2026/Launch Day":   "2026-launch-day",
		"--a__b--":          "a-b",
		"café-über":         "caf-ber",
		"sluice-2-in-depth": "sluice-2-in-depth",
		"":                  "",
	} {
		if got := Slug(in, 191); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Slug("abc-def", 4); got != "abc" {
		t.Errorf("Slug cut at 4 = %q, want abc (no trailing hyphen)", got)
	}
}

// TestParagraphsRoundTrip: text made into paragraphs reads back as the
// same text, escaped characters included.
func TestParagraphsRoundTrip(t *testing.T) {
	for _, text := range []string{
		"One line with <tags> & ampersands, emoji 🎉 and https://example.com/a?b=c&d=e",
		"First paragraph\nwith a line break\n\nSecond paragraph",
	} {
		h := Paragraphs(text)
		if got := PlainText(h); got != text {
			t.Errorf("PlainText(Paragraphs(%q)) = %q via %q", text, got, h)
		}
	}
	if got := PlainText("<h2>Title</h2><ul><li>one</li><li>two &amp; three</li></ul>"); got != "Title\n\none\n\ntwo & three" {
		t.Errorf("PlainText of blocks = %q", got)
	}
}

func TestTitle(t *testing.T) {
	if got := Title("", "posts/x"); got != "posts/x" {
		t.Errorf("Title of no text = %q", got)
	}
	long := "A first line that goes on and on, well past the eighty characters a title may have here"
	if got := Title(long+"\nsecond", "x"); got != "A first line that goes on and on, well past the eighty characters a title may…" {
		t.Errorf("Title = %q", got)
	}
}

// TestLost: an edit is lost only when a field differs both from what
// herald last wrote and from what it now writes.
func TestLost(t *testing.T) {
	lastT, lastB := TitleHash("Title"), BodyHash("<p>Body</p>")
	for _, c := range []struct {
		curT, curB, newT, newB string
		lost                   bool
	}{
		{"Title", "<p>Body</p>", "Title", "<p>New body</p>", false},         // not edited
		{"Title", "<h2 id=x>Body</h2>", "Title", "<p>New body</p>", false},  // rewritten HTML, same text
		{"Their title", "<p>Body</p>", "Their title", "<p>New</p>", false},  // their title brought in
		{"Their title", "<p>Body</p>", "Title", "<p>New</p>", true},         // their title dropped
		{"Title", "<p>Their body</p>", "Title", "<p>New</p>", true},         // their body overwritten
		{"Title", "<p>Their body</p>", "Title", "<p>Their body</p>", false}, // their body brought in
	} {
		if got := Lost(c.curT, c.curB, lastT, lastB, c.newT, c.newB); got != c.lost {
			t.Errorf("Lost(%q, %q -> %q, %q) = %v, want %v", c.curT, c.curB, c.newT, c.newB, got, c.lost)
		}
	}
}
