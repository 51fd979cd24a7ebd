package platforms

import "strings"

// WithoutUTM returns link without its utm_ query parameters (and
// without the "?" when nothing else is left), the rest kept byte for
// byte. An adapter that cannot change a published post's link compares
// links with it, so that a post published before the configuration
// tagged its links (utm:) can still have its text edited.
func WithoutUTM(link string) string {
	base, frag, _ := strings.Cut(link, "#")
	if strings.Contains(link, "#") {
		frag = "#" + frag
	}
	path, query, ok := strings.Cut(base, "?")
	if !ok {
		return link
	}
	var kept []string
	for _, pair := range strings.Split(query, "&") {
		if !strings.HasPrefix(strings.ToLower(pair), "utm_") {
			kept = append(kept, pair)
		}
	}
	if len(kept) == 0 || len(kept) == 1 && kept[0] == "" {
		return path + frag
	}
	return path + "?" + strings.Join(kept, "&") + frag
}
