package schema

import (
	"fmt"
	"strings"
	"testing"
)

// TestDuplicateTargetsLongList: a duplicate target names the first entry
// of its name, in a short list (scanned) as in a long one (a map), and
// every other entry stays a target or an unknown one.
func TestDuplicateTargetsLongList(t *testing.T) {
	for _, n := range []int{3, 16, 17, 40} {
		names := make([]string, n)
		for i := range names {
			names[i] = []string{"x", "bluesky", "mastodon", "nope", "x", "linkedin"}[i%6]
		}
		src := "---\nto: [" + strings.Join(names, ", ") + "]\n---\nBody.\n"
		p, errs := ParsePost(testConfig(), "posts/a.md", []byte(src))
		firstOf := map[string]int{}
		var want []string
		targets := 0
		for i, name := range names {
			if j, dup := firstOf[name]; dup {
				want = append(want, fmt.Sprintf("to.%d: duplicate target %q (also to.%d)", i, name, j))
				continue
			}
			firstOf[name] = i
			if name == "nope" {
				want = append(want, fmt.Sprintf("to.%d: unknown target", i))
				continue
			}
			targets++
		}
		var got []string
		for _, e := range errs {
			msg := e.Message
			if strings.HasPrefix(msg, "unknown target") {
				msg = "unknown target"
			}
			got = append(got, e.Field+": "+msg)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%d targets: findings\n%s\nwant\n%s", n, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if p == nil || len(p.To) != targets {
			t.Errorf("%d targets: got %v, want %d", n, p, targets)
		}
	}
}
