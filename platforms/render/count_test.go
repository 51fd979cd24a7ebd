package render

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCountX(t *testing.T) {
	family := "👨\u200d👩\u200d👧\u200d👦"
	tests := []struct {
		name string
		text string
		want int
	}{
		// From twitter-text conformance/validate.yml,
		// WeightedTweetsWithDiscountedEmojiCounterTest.
		{"regular tweet with url", "Hi http://test.co", 26},
		{"just url", "http://test.co", 23},
		{"url without protocol", "test.com", 23},
		{"multiple urls", "Test https://test.com test https://test.com test.com test", 86},
		{"url in the middle", "285 chars- http://www.twitter.com/jack " + strings.Repeat("xxxxxxxxxx-", 24), 299},
		{"10 urls", strings.Repeat("https://www.twitter.com/aloha ", 10), 240},
		{"160 cjk", strings.Repeat("故人西辞黄鹤楼，烟花三月下扬州。孤帆远影碧空尽，唯见长江天际流。", 5), 320},
		{"160 emoji", strings.Repeat("😷", 160), 320},
		{"normalized A acute", "A\u0301B", 2},
		{"mix of single and double", "H🐱☺" + family, 7},
		{"emoji in the BMP", "😷👾😡🔥💩", 10},
		{"skin tone and zwj", "🙋🏽👨\u200d🎤", 4},
		{"general punctuation", "This is a tweet with general punctuation characters: \u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u200B ‐ ‑ ‒ – — ― ‖  ‗ ‘ ’ ‚ ‛ “ ” „ ‟ ′ ″ ‴ ‵ ‶ ‷", 110},
		{"64 character label is not a url", "randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com", 68},
		{"140 family emoji", strings.Repeat(family, 140), 280},
		{"unicode 10 emoji", "Unicode 10.0 emoji: 🤪; 🧕; 🧕🏾; 🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", 34},
		{"unicode 9 emoji", "Unicode 9.0 emoji: 🤠; 💃; 💃🏾", 29},
		// herald's own cases.
		{"140 cjk is 280", strings.Repeat("の", 140), 280},
		{"141 cjk is 282", strings.Repeat("の", 141), 282},
		{"long url counts 23", "https://example.com/" + strings.Repeat("a", 500), 23},
		{"flag is 2", "🇫🇷", 2},
		{"email is not a url", "me@example.com", 14},
		// A ccTLD domain without a path is a URL too (twitter-text's
		// conformance/extract.yml, "Extract short URLs without protocol
		// on ccTLD domains without path").
		{"short cctld domain is a url", "example.de", 23},
		{"cctld with subdomain is a url", "www.example.de", 23},
		{"trailing period not in url", "see example.com.", 4 + 23 + 1},
		{"url in parentheses", "(https://example.com/a_(b))", 25},
		{"unknown tld is not a url", "file.txt", 8},
		{"empty", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CountX(tt.text); got != tt.want {
				t.Errorf("CountX(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestCountXAtLimit(t *testing.T) {
	url := "https://example.com/" + strings.Repeat("p", 300)
	at := strings.Repeat("a", 280-24) + " " + url
	if got := CountX(at); got != 280 {
		t.Errorf("text with a long url = %d, want 280", got)
	}
	if got := CountX(at + "!"); got != 281 {
		t.Errorf("one more = %d, want 281", got)
	}
	if got := CountX(strings.Repeat("😀", 140)); got != 280 {
		t.Errorf("140 emoji = %d, want 280", got)
	}
	if got := CountX(strings.Repeat("😀", 140) + "a"); got != 281 {
		t.Errorf("140 emoji and a letter = %d, want 281", got)
	}
}

func TestCountBluesky(t *testing.T) {
	family := "👩\u200d👩\u200d👧\u200d👦" // 25 bytes, one grapheme
	tests := []struct {
		name      string
		text      string
		graphemes int
		overBytes bool
	}{
		{"300 ascii", strings.Repeat("a", 300), 300, false},
		{"301 ascii", strings.Repeat("a", 301), 301, false},
		{"300 graphemes under 3000 bytes", strings.Repeat(family, 100) + strings.Repeat("é", 200), 300, false},
		{"under 300 graphemes over 3000 bytes", strings.Repeat(family, 121), 121, true},
		{"300 families", strings.Repeat(family, 300), 300, true},
		{"combining marks are one grapheme", "e\u0301", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CountBluesky(tt.text); got != tt.graphemes {
				t.Errorf("graphemes = %d, want %d", got, tt.graphemes)
			}
			if got := len(tt.text) > 3000; got != tt.overBytes {
				t.Errorf("over 3000 bytes = %v (%d), want %v", got, len(tt.text), tt.overBytes)
			}
		})
	}
}

func TestCountMastodon(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"plain", "Hello", 5},
		{"long url counts 23", "https://example.com/" + strings.Repeat("a", 400), 23},
		{"bare domain counts literally", "example.com", 11},
		{"remote mention counts as local", "@user@very.long.domain.example.social hi", len("@user hi")},
		{"local mention", "@user hi", 8},
		{"email is not a mention", "me@example.com", 14},
		{"graphemes", "👩\u200d👩\u200d👧\u200d👦 e\u0301", 3},
		{"500 at limit with url", strings.Repeat("a", 476) + " https://example.com/" + strings.Repeat("b", 100), 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CountMastodon(tt.text); got != tt.want {
				t.Errorf("CountMastodon(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestCountThreadsLinkedInOthers(t *testing.T) {
	tests := []struct {
		name     string
		platform string
		text     string
		want     int
	}{
		{"threads ascii", "threads", "hello", 5},
		{"threads emoji counts bytes", "threads", "hi 😀", 3 + 4},
		{"threads zwj family counts bytes", "threads", "👩\u200d👩\u200d👧\u200d👦", 25},
		{"threads accented letter is 1", "threads", "é", 1},
		{"threads cjk is 1", "threads", "の", 1},
		{"linkedin utf16", "linkedin", "a😀é", 1 + 2 + 1},
		{"instagram code points", "instagram", "a😀e\u0301", 4},
		{"ghost code points", "ghost", "héllo", 5},
		{"x dispatch", "x", "の", 2},
		{"bluesky dispatch", "bluesky", "e\u0301", 1},
		{"mastodon dispatch", "mastodon", "@a@b.example", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Count(tt.platform, tt.text); got != tt.want {
				t.Errorf("Count(%s, %q) = %d, want %d", tt.platform, tt.text, got, tt.want)
			}
		})
	}
}

func TestExtractURLs(t *testing.T) {
	tests := []struct {
		name string
		text string
		bare bool
		want []string
	}{
		{"scheme", "go to https://example.com/a?b=c. now", true, []string{"https://example.com/a?b=c"}},
		{"bare with path", "see example.com/path, ok", true, []string{"example.com/path"}},
		{"bare off", "see example.com/path", false, nil},
		{"email", "mail me@example.com", true, nil},
		{"after hash", "#example.com", true, nil},
		{"ftp tail", "ftp://www.example.com/", true, nil},
		{"uppercase scheme", "HTTPS://www.ExaMPLE.COM/index.html", true, []string{"HTTPS://www.ExaMPLE.COM/index.html"}},
		{"port", "http://example.com:8080/x", true, []string{"http://example.com:8080/x"}},
		{"underscore in subdomain", "http://test_underscore.twitter.com", true, []string{"http://test_underscore.twitter.com"}},
		{"underscore in domain", "http://domain-dash_2314352345_dfasd.foo-cow_4352.com", true, nil},
		{"leading dash", "http://www.-domain4352.com/", true, nil},
		{"trailing dash", "http://www.domain4352-.com/", true, nil},
		{"unicode domain", "http://☃.net/", true, []string{"http://☃.net/"}},
		{"cyrillic path", "http://example.com/Русские_слова", true, []string{"http://example.com/Русские_слова"}},
		{"trailing hyphen", "https://www.youtube.com/playlist?list=PL0ZPu8XSRTB7wZzn0mLHMvyzVFeRxbWn-", true, []string{"https://www.youtube.com/playlist?list=PL0ZPu8XSRTB7wZzn0mLHMvyzVFeRxbWn-"}},
		{"special short cctld", "t.co", true, []string{"t.co"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range extractURLs(tt.text, tt.bare) {
				got = append(got, tt.text[s.start:s.end])
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("extractURLs(%q) (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}
