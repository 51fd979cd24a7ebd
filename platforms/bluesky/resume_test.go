package bluesky_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/bluesky"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// chain is each post's text, parent and root, for comparing threads.
func chain(posts []platformtest.Post) [][3]string {
	var out [][3]string
	for _, p := range posts {
		root, _ := p.Fields["reply_root"].(string)
		out = append(out, [3]string{p.Text, p.ReplyTo, root})
	}
	return out
}

// TestFindAndResumeACutThread cuts a three-part thread with an image
// after part 1, finds it in part, resumes it, and finds the whole thread
// again through the original attempt's key.
func TestFindAndResumeACutThread(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{})
	b := newAdapter(t, f, fixedNow, nil, &platforms.MemTokens{})
	p := platformtest.Payload("cut", "one of three", "two of three", "three of three")
	p.Media = []platforms.Media{media("posts/a.png", "a pixel", pngOf(t, 2, 1))}
	f.Inject(platformtest.Fault{Kind: platformtest.ServerError, After: 1})
	if _, err := b.Publish(t.Context(), p, "attempt-1"); err == nil {
		t.Fatal("publish with part 2 failing succeeded")
	}
	found, err := b.Find(t.Context(), p, platforms.Attempt{Key: "attempt-1"})
	var ie *platforms.IncompleteError
	if !errors.As(err, &ie) || ie.Found != 1 || ie.Total != 3 {
		t.Fatalf("find = %+v, %v; want 1 of 3 parts", found, err)
	}
	posts := f.Posts()
	if diff := cmp.Diff([]string{posts[0].ID}, found.IDs); diff != "" || found.Extra["cids"] != posts[0].Fields["cid"] {
		t.Fatalf("found %+v, want part 1 %s with its CID; IDs (-want +got):\n%s", found, posts[0].ID, diff)
	}

	// Without the CIDs in Extra (state from elsewhere), Resume reads them.
	delete(found.Extra, "cids")
	r, err := b.Resume(t.Context(), found, p, "attempt-2")
	if err != nil {
		t.Fatal(err)
	}
	posts = f.Posts()
	root := posts[0].ID
	want := [][3]string{{"one of three", "", ""}, {"two of three", root, root}, {"three of three", posts[1].ID, root}}
	if diff := cmp.Diff(want, chain(posts)); diff != "" {
		t.Fatalf("thread (-want +got):\n%s", diff)
	}
	if len(posts[0].Media) != 1 || len(posts[1].Media)+len(posts[2].Media) != 0 {
		t.Errorf("media per part %d, %d, %d; want the image on part 1 only", len(posts[0].Media), len(posts[1].Media), len(posts[2].Media))
	}
	var cids []string
	for _, post := range posts {
		cids = append(cids, post.Fields["cid"].(string))
	}
	if diff := cmp.Diff([]string{posts[0].ID, posts[1].ID, posts[2].ID}, r.IDs); diff != "" {
		t.Errorf("receipt IDs (-want +got):\n%s", diff)
	}
	if r.Extra["cids"] != strings.Join(cids, " ") || len(r.URLs) != 3 || !r.PublishedAt.Equal(clock) {
		t.Errorf("receipt %+v: want every part's CID and URL and part 1's time", r)
	}
	if want := bluesky.RecordKey(bluesky.ResumeKey(posts[0].Key), 1); posts[1].Key != want {
		t.Errorf("part 2's record key %s, want %s, derived from part 1's", posts[1].Key, want)
	}

	// The original attempt's key follows the chain into the resumed parts.
	whole, err := b.Find(t.Context(), p, platforms.Attempt{Key: "attempt-1"})
	if err != nil {
		t.Fatalf("find of the finished thread: %v", err)
	}
	if diff := cmp.Diff(r, whole); diff != "" {
		t.Errorf("find of the finished thread (-resumed +found):\n%s", diff)
	}
	// Nothing is keyed by the resume's own attempt key.
	if _, err := b.Find(t.Context(), p, platforms.Attempt{Key: "attempt-2"}); !errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find with the resume's key = %v, want ErrNotFound", err)
	}

	// A resume retried, even under another attempt key, writes nothing new.
	for _, key := range []platforms.AttemptKey{"attempt-2", "attempt-3"} {
		again, err := b.Resume(t.Context(), found, p, key)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(r.IDs, again.IDs); diff != "" || len(f.Posts()) != 3 {
			t.Errorf("resume again with %s: %d posts; IDs (-first +again):\n%s", key, len(f.Posts()), diff)
		}
	}
}

// TestFindAResumeCutAgain: a resume cut after its first part is found in
// part through the original key, and a second resume finishes it.
func TestFindAResumeCutAgain(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{})
	b := newAdapter(t, f, fixedNow, nil, &platforms.MemTokens{})
	p := platformtest.Payload("cut", "one", "two", "three")
	f.Inject(platformtest.Fault{Kind: platformtest.ServerError, After: 1})
	first, _ := b.Publish(t.Context(), p, "attempt-1")
	f.Inject(platformtest.Fault{Kind: platformtest.ServerError, After: 1})
	if _, err := b.Resume(t.Context(), first, p, "attempt-2"); err == nil {
		t.Fatal("resume with part 3 failing succeeded")
	}
	found, err := b.Find(t.Context(), p, platforms.Attempt{Key: "attempt-1"})
	var ie *platforms.IncompleteError
	if !errors.As(err, &ie) || ie.Found != 2 || ie.Total != 3 {
		t.Fatalf("find = %+v, %v; want 2 of 3 parts", found, err)
	}
	posts := f.Posts()
	if diff := cmp.Diff([]string{posts[0].ID, posts[1].ID}, found.IDs); diff != "" {
		t.Errorf("found IDs (-want +got):\n%s", diff)
	}
	r, err := b.Resume(t.Context(), found, p, "attempt-3")
	if err != nil {
		t.Fatal(err)
	}
	if posts := f.Posts(); len(posts) != 3 || len(r.IDs) != 3 || r.IDs[2] != posts[2].ID {
		t.Errorf("after the second resume: receipt %v, posts %d; want the 3 parts once each", r.IDs, len(posts))
	}
}

// TestFindAGap: part 2's record missing under part 3's is not a thread
// found in part.
func TestFindAGap(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{})
	b := newAdapter(t, f, fixedNow, nil, &platforms.MemTokens{})
	p := platformtest.Payload("gap", "one", "two", "three")
	r, err := b.Publish(t.Context(), p, "attempt-1")
	if err != nil {
		t.Fatal(err)
	}
	f.RemoveRemotely(r.IDs[1])
	found, err := b.Find(t.Context(), p, platforms.Attempt{Key: "attempt-1"})
	var ie *platforms.IncompleteError
	if err == nil || errors.As(err, &ie) || errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), "gap") {
		t.Errorf("find = %+v, %v; want an error naming the gap", found, err)
	}
}
