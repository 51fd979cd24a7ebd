package platforms

import "testing"

func TestWithoutUTM(t *testing.T) {
	for in, want := range map[string]string{
		"https://e.com/a": "https://e.com/a",
		"https://e.com/a?utm_source=x&utm_medium=social":    "https://e.com/a",
		"https://e.com/a?ref=1&utm_source=x#top":            "https://e.com/a?ref=1#top",
		"https://e.com/a?utm_source=x&ref=1&UTM_Campaign=q": "https://e.com/a?ref=1",
		"https://e.com/a?utm_source=x#top":                  "https://e.com/a#top",
		"https://e.com/a?ref=1":                             "https://e.com/a?ref=1",
		"https://e.com/a#x?utm_source=y":                    "https://e.com/a#x?utm_source=y",
	} {
		if got := WithoutUTM(in); got != want {
			t.Errorf("WithoutUTM(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTextWithoutUTM(t *testing.T) {
	for in, want := range map[string]string{
		"Details: https://e.com/v2?utm_source=linkedin&utm_medium=social.":         "Details: https://e.com/v2.",
		"(https://e.com/a?x=1&utm_source=l) and\nhttps://e.com/b?utm_medium=s, ok": "(https://e.com/a?x=1) and\nhttps://e.com/b, ok",
		"no links here":                  "no links here",
		"https://e.com/?q=utm_source":    "https://e.com/?q=utm_source",
		"keep https://e.com/a?ref=1 too": "keep https://e.com/a?ref=1 too",
	} {
		if got := TextWithoutUTM(in); got != want {
			t.Errorf("TextWithoutUTM(%q) = %q, want %q", in, got, want)
		}
	}
}
