package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/heraldhq/herald/internal/preview"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// cardTimeout bounds the reading of one linked page, or of its image,
// for a link card: a preview waits seconds, not minutes, for a slow site.
const cardTimeout = 5 * time.Second

// linkCardTransport, when set, carries the requests for link cards:
// tests point it at a local server standing in for the linked sites.
var linkCardTransport http.RoundTripper

// writeHTMLPreview writes the preview of the prepared posts as web pages
// into dir (preview.Write): each target as its network shows it, with
// its status read from the state records.
func writeHTMLPreview(ctx context.Context, e *env, repo *reconcile.Repo, prepared []*reconcile.Prepared, only []string, dir string, fetch bool) error {
	records := map[string]*state.Record{}
	if err := walkState(ctx, e, repo, true, func(r *state.Record) error { records[r.Post] = r; return nil }); err != nil {
		return fmt.Errorf("read state: %w", err)
	}
	site := &preview.Site{Source: "the working tree"}
	if repo.Commit != "" {
		site.Source = "commit " + shortCommit(repo.Commit)
	}
	for _, p := range prepared {
		site.Posts = append(site.Posts, htmlPost(repo.Config, p, records, only))
	}
	opt := preview.Options{Dir: dir, Files: repo.FS, NoFetch: "not fetched (--no-fetch)"}
	if fetch {
		opt.Fetch = &preview.Fetcher{Timeout: cardTimeout, UserAgent: "herald preview (link card)"}
		if linkCardTransport != nil {
			opt.Fetch.Client = &http.Client{Transport: linkCardTransport, Timeout: cardTimeout}
		}
	}
	return preview.Write(ctx, site, opt)
}

// htmlPost is one prepared post as the HTML preview shows it.
func htmlPost(cfg *schema.Config, p *reconcile.Prepared, records map[string]*state.Record, only []string) *preview.Post {
	hp := &preview.Post{File: p.File}
	for _, err := range p.Errors {
		hp.Problems = append(hp.Problems, preview.Problem{Text: err.Error(), Warning: err.Severity == schema.SeverityWarning})
	}
	post := p.Post
	if post == nil {
		hp.Schedule = "not readable"
		return hp
	}
	hp.ID, hp.Title, hp.Campaign = post.ID, post.Title, post.Campaign
	hp.Schedule = describeSchedule(cfg, post)
	for _, m := range post.Media {
		hp.Media = append(hp.Media, &preview.Media{Path: m.Path, Alt: m.Alt, Type: m.Type})
	}
	rec := records[post.ID]
	for _, o := range p.Outputs {
		if len(only) > 0 && !contains(only, o.Target) {
			continue
		}
		t := preview.NewTarget(o, preview.AccountOf(cfg.Accounts[state.AccountOf(o.Target)]))
		t.Status = "not published"
		if rec != nil {
			if ts, ok := rec.Targets[o.Target]; ok && ts.Status != "" {
				t.Status = string(ts.Status)
				t.URLs = ts.URLs
			}
		}
		if in, ok := post.Instance(o.Target); ok {
			if name := in.VariantName(post); name != "" {
				v := name
				if in.Variant != nil && in.Variant.PublishAt != nil {
					v += ", at " + describeSchedule(cfg, &schema.Post{PublishAt: in.Variant.PublishAt})
				}
				t.Fields = append(t.Fields, preview.Field{Key: "variant", Value: v})
			}
		}
		if ov := p.PostFor(o.Target).Overrides[state.AccountOf(o.Target)]; ov != nil {
			for _, k := range sortedKeys(ov.Extra) {
				v := fmt.Sprint(ov.Extra[k])
				if k == "spoiler_text" && o.Platform == "mastodon" {
					t.Spoiler = v
					continue
				}
				t.Fields = append(t.Fields, preview.Field{Key: k, Value: v})
			}
		}
		if s := utmNote(cfg, p, o.Target); s != "" {
			t.Fields = append(t.Fields, preview.Field{Key: "utm", Value: s})
		}
		hp.Targets = append(hp.Targets, t)
	}
	// A recurring post's texts, as the occurrences whose turn they are
	// receive them.
	for i, outs := range p.Texts {
		for _, o := range outs {
			if len(only) > 0 && !contains(only, o.Target) {
				continue
			}
			t := preview.NewTarget(o, preview.AccountOf(cfg.Accounts[o.Target]))
			t.Status = fmt.Sprintf("repeat text %d, for the occurrences whose turn it is", i+1)
			hp.Targets = append(hp.Targets, t)
		}
	}
	return hp
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
