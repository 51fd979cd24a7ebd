package ghost_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/golden"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/ghost"
	"github.com/heraldhq/herald/platforms/platformtest"
)

const goldenConfig = `
accounts:
  blog:
    platform: ghost
    base_url: https://blog.example.com
    admin_key_env: GHOST_ADMIN_API_KEY
`

const goldenPost = `---
title: "Sluice 2: retries & replay"
tags: [release, sluice]
to: [blog]
blog:
  excerpt: Retries per endpoint, and replay for failed deliveries.
  canonical_url: https://sluice.example.com/blog/sluice-2
  feature_image_caption: The new dashboard
---
Sluice 2 is out, with **retries per endpoint** and _replay_.

## What changed

- Retries back off per endpoint, see [the docs](https://docs.example.com/retries?x=1&y=2).
- Failed deliveries can be replayed: ` + "`sluice replay <id>`" + `.

> Ship it.
`

// TestRenderGolden publishes a Markdown post as herald renders it for
// Ghost and compares every request Ghost receives with a golden file:
// the image upload, then the post created from HTML with its title,
// slug, tags, excerpt, canonical URL and feature image.
func TestRenderGolden(t *testing.T) {
	f := ghost.NewFake(t, ghost.FakeOptions{Now: testEnv(t).Now})
	rec := &platformtest.RequestLog{Next: f.Client().Transport}
	pub := newAdapterWith(t, f, &http.Client{Transport: rec}, nil)
	p := platformtest.PayloadFromMarkdown(t, goldenConfig, goldenPost, "blog")
	platformtest.WithImage(p, "The Sluice 2 dashboard, with retries per endpoint")
	p, err := platforms.Prepare(pub, p)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pub.Publish(t.Context(), p, "attempt-golden")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "publish.txt", []byte(strings.ReplaceAll(rec.String(), f.SiteURL(), "https://blog.example.com")))
	post, _ := f.Store.Get(r.IDs[0])
	if post.Fields["slug"] != "p" || post.URL != r.URLs[0] || post.Fields["newsletter"] != nil {
		t.Errorf("stored post %+v, receipt %+v", post, r)
	}
}

func newAdapterWith(t *testing.T, f *ghost.Fake, client *http.Client, values map[string]any) platforms.Publisher {
	t.Helper()
	v := map[string]any{"admin_key_env": keyEnv}
	for k, x := range values {
		v[k] = x
	}
	pub, err := ghost.New(platforms.Settings{
		Account: "blog", Platform: "ghost", BaseURL: f.SiteURL(), Values: v,
		Getenv:     func(name string) string { return map[string]string{keyEnv: f.Key()}[name] },
		HTTPClient: client, Now: testEnv(t).Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func prepared(t *testing.T, pub platforms.Publisher, p *platforms.Payload) *platforms.Payload {
	t.Helper()
	out, err := platforms.Prepare(pub, p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNewsletterOnlyWhenAsked: a post is emailed only when it names a
// newsletter and is published; a draft that names one is emailed when an
// edit publishes it, and never again.
func TestNewsletterOnlyWhenAsked(t *testing.T) {
	f := ghost.NewFake(t, ghost.FakeOptions{Now: testEnv(t).Now})
	pub := newAdapter(t, f, testEnv(t), nil)

	plain := prepared(t, pub, platformtest.Payload("plain", "No email for this one"))
	r, err := pub.Publish(t.Context(), plain, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Store.Get(r.IDs[0]); got.Fields["newsletter"] != nil {
		t.Errorf("a post that names no newsletter was emailed to %v", got.Fields["newsletter"])
	}

	in := platformtest.Payload("news", "Emailed to the members")
	in.Options = map[string]any{"newsletter": "default-newsletter", "email_segment": "status:-free"}
	r, err = pub.Publish(t.Context(), prepared(t, pub, in), "a2")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.Store.Get(r.IDs[0])
	if got.Fields["newsletter"] != "default-newsletter" || got.Fields["email_segment"] != "status:-free" {
		t.Errorf("newsletter %v segment %v, want default-newsletter to status:-free", got.Fields["newsletter"], got.Fields["email_segment"])
	}

	draft := platformtest.Payload("later", "A draft first")
	draft.Options = map[string]any{"newsletter": "default-newsletter", "status": "draft"}
	r, err = pub.Publish(t.Context(), prepared(t, pub, draft), "a3")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Store.Get(r.IDs[0]); got.Fields["newsletter"] != nil || got.Fields["status"] != "draft" {
		t.Errorf("a draft was emailed or published: %+v", got.Fields)
	}
	live := platformtest.Payload("later", "A draft first")
	live.Options = map[string]any{"newsletter": "default-newsletter"}
	r, err = pub.(platforms.Updater).Update(t.Context(), r, prepared(t, pub, live))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Store.Get(r.IDs[0]); got.Fields["newsletter"] != "default-newsletter" || got.Fields["status"] != "published" {
		t.Errorf("publishing the draft did not email it: %+v", got.Fields)
	}
	live.Parts[0].Text = "A draft first, then an edit"
	if _, err := pub.(platforms.Updater).Update(t.Context(), r, prepared(t, pub, live)); err != nil {
		t.Fatal(err)
	}
}

// TestEditCollision: when someone edits the post in Ghost after herald
// wrote it, Ghost refuses herald's edit with 409, and Update reports
// drift instead of overwriting theirs.
func TestEditCollision(t *testing.T) {
	f := ghost.NewFake(t, ghost.FakeOptions{Now: testEnv(t).Now})
	pub := newAdapter(t, f, testEnv(t), nil)
	r, err := pub.Publish(t.Context(), prepared(t, pub, platformtest.Payload("edited", "As herald wrote it")), "a1")
	if err != nil {
		t.Fatal(err)
	}
	f.EditRemotely(r.IDs[0], "Retitled in Ghost Admin")
	_, err = pub.(platforms.Updater).Update(t.Context(), r, prepared(t, pub, platformtest.Payload("edited", "As herald rewrote it")))
	if !errors.Is(err, ghost.ErrEditedInGhost) && platforms.OutcomeOf(err) == platforms.NotCreated && !platforms.IsRetryable(err) {
		t.Fatalf("update after an edit in Ghost = %v, want ErrEditedInGhost", err)
	}
	if !strings.Contains(err.Error(), "someone edited it in Ghost") || !strings.Contains(err.Error(), "UpdateCollisionError") {
		t.Errorf("the error does not say what happened: %v", err)
	}
	got, _ := f.Store.Get(r.IDs[0])
	if got.Fields["title"] != "Retitled in Ghost Admin" || got.Text != "As herald wrote it" {
		t.Errorf("the edit made in Ghost was overwritten: %+v", got)
	}
}

// TestFindAmongTakenSlugs: an older post already holds the slug, so the
// attempt's post got slug-2; Find finds it there, and not the older one.
func TestFindAmongTakenSlugs(t *testing.T) {
	now := clock
	f := ghost.NewFake(t, ghost.FakeOptions{Now: func() time.Time { return now }})
	pub := newAdapter(t, f, testEnv(t), nil)
	p := prepared(t, pub, platformtest.Payload("launch", "Launch day"))
	older, err := pub.Publish(t.Context(), p, "a0")
	if err != nil {
		t.Fatal(err)
	}
	// The attempt began a day after the older post was published.
	at := platforms.Attempt{Key: "a1", Began: clock.Add(24 * time.Hour)}
	if _, err := pub.(platforms.Finder).Find(t.Context(), p, at); !errors.Is(err, platforms.ErrNotFound) {
		t.Fatalf("find before the attempt landed = %v, want ErrNotFound (the older post was created before the attempt)", err)
	}
	now = at.Began
	later := newAdapter(t, f, platformtest.Env{Now: func() time.Time { return now }}, nil)
	r, err := later.Publish(t.Context(), p, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if r.IDs[0] == older.IDs[0] || r.Extra["slug"] != "launch-2" {
		t.Fatalf("second post %+v, want a new post with slug launch-2", r)
	}
	got, err := later.(platforms.Finder).Find(t.Context(), p, at)
	if err != nil || got.IDs[0] != r.IDs[0] {
		t.Fatalf("find = %+v, %v; want %s", got, err, r.IDs[0])
	}
}

// TestPrepareRefuses: what Ghost would refuse is refused before anything
// is sent, saying what to change.
func TestPrepareRefuses(t *testing.T) {
	f := ghost.NewFake(t, ghost.FakeOptions{Now: testEnv(t).Now})
	pub := newAdapter(t, f, testEnv(t), nil)
	for name, tc := range map[string]struct {
		p    *platforms.Payload
		want string
	}{
		"status":  {withOpts(platformtest.Payload("a", "x"), "status", "scheduled"), "want published or draft"},
		"excerpt": {withOpts(platformtest.Payload("a", "x"), "excerpt", strings.Repeat("e", 301)), "Ghost allows 300"},
		"slug":    {withOpts(platformtest.Payload("a", "x"), "slug", "Not A Slug"), "lowercase letters"},
		"alt":     {platformtest.WithImage(platformtest.Payload("a", "x"), strings.Repeat("a", 192)), "Ghost allows 191"},
		"two":     {platformtest.WithImage(platformtest.WithImage(platformtest.Payload("a", "x"), "1"), "2"), "one image"},
		"segment": {withOpts(platformtest.Payload("a", "x"), "email_segment", "all"), "needs option newsletter"},
		"tags":    {withOpts(platformtest.Payload("a", "x"), "tags", "one"), "not a list"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := platforms.Prepare(pub, tc.p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("prepare = %v, want an error saying %q", err, tc.want)
			}
		})
	}
	if n := len(f.Posts()); n != 0 {
		t.Errorf("%d posts were created", n)
	}
}

func withOpts(p *platforms.Payload, kv ...string) *platforms.Payload {
	p.Options = map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Options[kv[i]] = kv[i+1]
	}
	return p
}

// TestWrongKey: a key Ghost does not accept is a final error that names
// the variable to check, and never shows the key.
func TestWrongKey(t *testing.T) {
	f := ghost.NewFake(t, ghost.FakeOptions{Now: testEnv(t).Now})
	f.ExpectViolations()
	const wrong = "6650aa11bb22cc33dd44ee55:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	pub, err := ghost.New(platforms.Settings{
		Account: "blog", Platform: "ghost", BaseURL: f.SiteURL(), Values: map[string]any{"admin_key_env": keyEnv},
		Getenv: func(string) string { return wrong }, HTTPClient: f.Client(), Now: testEnv(t).Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = pub.Publish(t.Context(), prepared(t, pub, platformtest.Payload("a", "x")), "a1")
	if !errors.Is(err, platforms.ErrNeedsReconnect) || platforms.OutcomeOf(err) != platforms.NotCreated || platforms.IsRetryable(err) {
		t.Fatalf("publish with a wrong key = %v, want a final NotCreated error wrapping ErrNeedsReconnect", err)
	}
	if !strings.Contains(err.Error(), keyEnv) || !strings.Contains(err.Error(), "invalid signature") || strings.Contains(err.Error(), "0123456789abcdef") {
		t.Errorf("the error should name %s and Ghost's reason, never the key: %v", keyEnv, err)
	}
}

// TestUnknownNewsletter: Ghost fails the send of a newsletter it does not
// have and keeps the post a draft; herald deletes that draft, so nothing
// is left, and says which newsletter to check.
func TestUnknownNewsletter(t *testing.T) {
	f := ghost.NewFake(t, ghost.FakeOptions{Now: testEnv(t).Now})
	pub := newAdapter(t, f, testEnv(t), nil)
	in := platformtest.Payload("news", "For the members")
	in.Options = map[string]any{"newsletter": "weekly"}
	_, err := pub.Publish(t.Context(), prepared(t, pub, in), "a1")
	if err == nil || platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Fatalf("publish to an unknown newsletter = %v (outcome %v), want NotCreated", err, platforms.OutcomeOf(err))
	}
	for _, want := range []string{"EmailError", `"weekly"`, "Settings > Newsletters", "draft herald made was deleted"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q: %v", want, err)
		}
	}
	if posts := f.Posts(); len(posts) != 0 {
		t.Errorf("the site still holds %+v", posts)
	}
}

// TestFindRemovesUnpublishedDraft: a run that stopped between creating
// the draft and publishing it with the newsletter left a draft, never
// emailed; Find deletes it and reports the attempt not found, so that
// the retry publishes once and emails once.
func TestFindRemovesUnpublishedDraft(t *testing.T) {
	f := ghost.NewFake(t, ghost.FakeOptions{Now: testEnv(t).Now})
	pub := newAdapter(t, f, testEnv(t), nil)
	left := platformtest.Payload("news", "For the members")
	left.Options = map[string]any{"status": "draft"}
	if _, err := pub.Publish(t.Context(), prepared(t, pub, left), "a1"); err != nil {
		t.Fatal(err)
	}
	in := platformtest.Payload("news", "For the members")
	in.Options = map[string]any{"newsletter": "default-newsletter"}
	p := prepared(t, pub, in)
	if _, err := pub.(platforms.Finder).Find(t.Context(), p, platforms.Attempt{Key: "a1"}); !errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), "never published nor emailed") {
		t.Fatalf("find = %v, want ErrNotFound saying the draft was deleted", err)
	}
	if posts := f.Posts(); len(posts) != 0 {
		t.Fatalf("the draft is still there: %+v", posts)
	}
	r, err := pub.Publish(t.Context(), p, "a1")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.Store.Get(r.IDs[0])
	if got.Fields["status"] != "published" || got.Fields["newsletter"] != "default-newsletter" || r.Extra["slug"] != "news" {
		t.Errorf("retry left %+v, receipt %+v", got.Fields, r)
	}
	// A published, emailed post is the attempt, found as such.
	if found, err := pub.(platforms.Finder).Find(t.Context(), p, platforms.Attempt{Key: "a1"}); err != nil || found.IDs[0] != r.IDs[0] {
		t.Errorf("find after the retry = %+v, %v", found, err)
	}
}

// TestEditAfterUndo: an edit made on the blog and then undone, or one
// brought into the post's file, loses nothing, so herald's edit goes
// ahead on the current version; one that is still there is drift, and
// the error says how to settle it.
func TestEditAfterUndo(t *testing.T) {
	f := ghost.NewFake(t, ghost.FakeOptions{Now: testEnv(t).Now})
	pub := newAdapter(t, f, testEnv(t), nil)
	up := pub.(platforms.Updater)
	r, err := pub.Publish(t.Context(), prepared(t, pub, platformtest.Payload("undo", "As herald wrote it")), "a1")
	if err != nil {
		t.Fatal(err)
	}
	f.EditRemotely(r.IDs[0], "Retitled in Ghost Admin")
	_, err = up.Update(t.Context(), r, prepared(t, pub, platformtest.Payload("undo", "As herald rewrote it")))
	if !errors.Is(err, ghost.ErrEditedInGhost) && platforms.OutcomeOf(err) == platforms.NotCreated && !platforms.IsRetryable(err) || !strings.Contains(err.Error(), "the next apply then edits the post") {
		t.Fatalf("update over a live edit = %v, want ErrEditedInGhost saying how to settle it", err)
	}
	f.EditRemotely(r.IDs[0], "As herald wrote it")
	r2, err := up.Update(t.Context(), r, prepared(t, pub, platformtest.Payload("undo", "As herald rewrote it")))
	if err != nil {
		t.Fatalf("update after the edit was undone: %v", err)
	}
	if got := f.Posts()[0]; got.Text != "As herald rewrote it" {
		t.Errorf("after the update the post holds %q", got.Text)
	}
	// The person retitles it, the file takes their title and changes the
	// text: nothing of theirs is lost.
	f.EditRemotely(r2.IDs[0], "A better title")
	in := platformtest.Payload("undo", "As herald rewrote it, twice")
	in.Title = "A better title"
	if _, err := up.Update(t.Context(), r2, prepared(t, pub, in)); err != nil {
		t.Fatalf("update with the person's title brought into the file: %v", err)
	}
	if got := f.Posts()[0]; got.Text != "As herald rewrote it, twice" || got.Fields["title"] != "A better title" {
		t.Errorf("after the update the post holds %q titled %v", got.Text, got.Fields["title"])
	}
}

// A series of posts that share one slug takes the slug and -2 to -12
// before herald's post of that slug arrives, which Ghost then publishes
// as -13: Find must follow the slug family as far as Ghost took it, and
// still prove an attempt absent.
func TestFindBeyondTenSlugs(t *testing.T) {
	f := ghost.NewFake(t, ghost.FakeOptions{Now: testEnv(t).Now})
	pub := newAdapter(t, f, testEnv(t), nil)
	series := func(title string) *platforms.Payload {
		p := platformtest.Payload("roundup", title)
		p.Options = map[string]any{"slug": "weekly-roundup"}
		return prepared(t, pub, p)
	}
	for i := range 12 {
		if _, err := pub.Publish(t.Context(), series(fmt.Sprintf("Weekly roundup, week %d", i+1)), "earlier"); err != nil {
			t.Fatal(err)
		}
	}
	p := series("Weekly roundup")
	finder := pub.(platforms.Finder)
	if r, err := finder.Find(t.Context(), p, platforms.Attempt{Key: "a1", Began: clock}); !errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find of an attempt that never landed = %+v, %v; want ErrNotFound", r, err)
	}
	r, err := pub.Publish(t.Context(), p, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(r.URLs[0], "/weekly-roundup-13/") {
		t.Fatalf("published at %s, want the slug weekly-roundup-13", r.URLs[0])
	}
	f.Seed(40, clock)
	got, err := finder.Find(t.Context(), p, platforms.Attempt{Key: "a1", Began: clock})
	if err != nil || got.IDs[0] != r.IDs[0] {
		t.Errorf("find of the post at weekly-roundup-13 = %+v, %v; want %v", got, err, r.IDs)
	}
}
