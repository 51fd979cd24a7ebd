package reconcile

import (
	"slices"
	"strings"

	"github.com/heraldhq/herald/state"
)

// Skipped is the kind of a target a targeted run leaves alone (plan and
// apply with --post, --campaign or --account): nothing is done to it and
// its state is untouched. It is not in Kinds, so that untargeted plans
// keep their documented JSON summary; a targeted plan adds it.
const Skipped Kind = "skipped"

// Selection is what a targeted run acts on, as Terraform's -target: a
// target is selected when it matches every kind of filter given, and any
// value within one kind. An empty Selection selects everything.
type Selection struct {
	Posts     []string // post IDs
	Campaigns []string // the posts' campaign: key
	Accounts  []string // target (account) names
}

// Empty reports whether s selects everything.
func (s Selection) Empty() bool {
	return len(s.Posts) == 0 && len(s.Campaigns) == 0 && len(s.Accounts) == 0
}

// Selects reports whether the target of a post in campaign is selected.
// target is a state target key, selected by its account: --account x
// selects every occurrence of a recurring post on x ("x#3") and a
// variant sent at its own time ("x~b") too.
func (s Selection) Selects(post, campaign, target string) bool {
	return (len(s.Posts) == 0 || slices.Contains(s.Posts, post)) &&
		(len(s.Campaigns) == 0 || (campaign != "" && slices.Contains(s.Campaigns, campaign))) &&
		(len(s.Accounts) == 0 || slices.Contains(s.Accounts, target) || slices.Contains(s.Accounts, state.AccountOf(target)))
}

// String is the selection as the flags that made it, for reasons:
// "--campaign q4 --account mastodon".
func (s Selection) String() string {
	var parts []string
	for _, f := range []struct {
		flag string
		vals []string
	}{{"--post", s.Posts}, {"--campaign", s.Campaigns}, {"--account", s.Accounts}} {
		for _, v := range f.vals {
			parts = append(parts, f.flag+" "+v)
		}
	}
	return strings.Join(parts, " ")
}

// skip turns an action outside the selection into a Skipped one that
// says what it would have done.
func skip(a *Action) {
	a.Would = a.Kind
	a.Reason = "not targeted (" + string(a.Kind) + ": " + a.Reason + ")"
	a.Kind = Skipped
}
