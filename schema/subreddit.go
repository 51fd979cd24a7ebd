package schema

import (
	"strings"
	"unicode/utf8"
)

// subredditRules checks a post against the rules its Reddit accounts
// declare for the subreddit it goes to (the account's rules setting:
// submission_type any|link|self, max_title, flair_required), so that a
// post a subreddit would refuse fails validation at the key to change,
// not at apply. The Reddit adapter checks the same rules again, and the
// subreddit's own submission_type, before it submits.
func subredditRules(cfg *Config, p *Post) Errors {
	if cfg == nil {
		return nil
	}
	var errs Errors
	for _, t := range p.To {
		a := cfg.Accounts[t.Name]
		if t.Platform != "reddit" || a == nil {
			continue
		}
		rules, _ := a.Settings["rules"].(map[string]any)
		if len(rules) == 0 {
			continue
		}
		var extra map[string]any
		if ov := p.Overrides[t.Name]; ov != nil {
			extra = ov.Extra
		}
		str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
		sub, subKey := str(a.Settings, "subreddit"), "to"
		if s := str(extra, "subreddit"); s != "" {
			sub, subKey = s, t.Name+".subreddit"
		}
		sub = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(sub), "/"), "r/"), "/")
		var rule map[string]any
		for name, r := range rules {
			if strings.EqualFold(strings.TrimPrefix(name, "r/"), sub) {
				rule, _ = r.(map[string]any)
			}
		}
		if rule == nil {
			continue
		}
		kind, kindKey := "self", subKey
		if str(extra, "url") != "" {
			kind, kindKey = "link", t.Name+".url"
		}
		if k := str(extra, "kind"); k != "" {
			kind, kindKey = k, t.Name+".kind"
		}
		if want := str(rule, "submission_type"); want != "" && want != "any" && want != kind {
			errs = append(errs, Errorf(p.PosOf(kindKey), kindKey, "r/%s takes only %s posts (the rules of account %s), and this is a %s post", sub, want, t.Name, kind))
		}
		title, titleKey := p.Title, "title"
		if s := str(extra, "title"); s != "" {
			title, titleKey = s, t.Name+".title"
		}
		if max := whole(rule["max_title"]); max > 0 {
			if n := utf8.RuneCountInString(title); n > max {
				errs = append(errs, Errorf(p.PosOf(titleKey), titleKey, "r/%s takes titles of at most %d characters (the rules of account %s); this one has %d", sub, max, t.Name, n))
			}
		}
		if req, _ := rule["flair_required"].(bool); req && str(extra, "flair_id") == "" && str(extra, "flair_text") == "" {
			key := t.Name
			if extra == nil {
				key = "to"
			}
			errs = append(errs, Errorf(p.PosOf(key), key, "r/%s requires flair: set %s.flair_id or %s.flair_text", sub, t.Name, t.Name))
		}
	}
	return errs
}

// whole reads a whole number as YAML or CUE decode it, 0 otherwise.
func whole(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case int64:
		return int(x)
	case uint64:
		return int(x)
	case float64:
		if x == float64(int(x)) {
			return int(x)
		}
	}
	return 0
}
