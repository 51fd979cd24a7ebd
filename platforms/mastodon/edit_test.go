package mastodon_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/mastodon"
)

// uploadRaw uploads data to the fake as a client would, and returns the
// media ID.
func uploadRaw(t *testing.T, f *mastodon.Fake, data []byte, alt string) string {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="file"; filename="a.png"`}
	h["Content-Type"] = []string{"image/png"}
	fw, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	w.WriteField("description", alt)
	w.Close()
	req, err := http.NewRequestWithContext(t.Context(), "POST", f.URL()+"/api/v2/media", &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+mastodon.FakeToken)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.ID == "" {
		t.Fatalf("upload: %d %v", resp.StatusCode, err)
	}
	return out.ID
}

// attachments lists a status answer's media as id=description.
func attachments(body map[string]any) []string {
	var out []string
	list, _ := body["media_attachments"].([]any)
	for _, a := range list {
		m := a.(map[string]any)
		d, _ := m["description"].(string)
		out = append(out, m["id"].(string)+"="+d)
	}
	return out
}

// TestFakeEditsAsMastodon pins what the fake's edit does, as Mastodon's
// UpdateStatusService does it (and GoToSocial where it differs): an edit
// replaces the media with media_ids, none when absent.
func TestFakeEditsAsMastodon(t *testing.T) {
	auth := "Bearer " + mastodon.FakeToken
	t.Run("mastodon", func(t *testing.T) {
		f := mastodon.NewFake(t, mastodon.FakeOptions{})
		m1 := uploadRaw(t, f, pngBytes, "first")
		_, st := post(t, f, "POST", "/api/v1/statuses", auth, map[string]any{"status": "with an image", "media_ids": []string{m1}})
		id := st["id"].(string)

		code, body := post(t, f, "PUT", "/api/v1/statuses/"+id, auth, map[string]any{"status": "edited, no media_ids"})
		if code != http.StatusOK || len(attachments(body)) != 0 {
			t.Errorf("edit without media_ids = %d, media %v; want 200 and no media (Mastodon replaces them)", code, attachments(body))
		}
		code, body = post(t, f, "PUT", "/api/v1/statuses/"+id, auth, map[string]any{"status": "edited, media back",
			"media_ids": []string{m1}, "media_attributes": []map[string]string{{"id": m1, "description": "second"}}})
		if diff := cmp.Diff([]string{m1 + "=second"}, attachments(body)); code != http.StatusOK || diff != "" {
			t.Errorf("edit with media_ids and media_attributes = %d (-want +got media):\n%s", code, diff)
		}
		code, body = post(t, f, "PUT", "/api/v1/statuses/"+id, auth, map[string]any{"status": "edited, media back", "media_ids": []string{"999"}})
		if diff := cmp.Diff(map[string]any{"error": "Media 999 not found or already attached to another post"}, body); code != 422 || diff != "" {
			t.Errorf("edit with an unknown media id = %d (-want +got):\n%s", code, diff)
		}
		_, other := post(t, f, "POST", "/api/v1/statuses", auth, map[string]any{"status": "another"})
		code, _ = post(t, f, "PUT", "/api/v1/statuses/"+other["id"].(string), auth, map[string]any{"status": "steal", "media_ids": []string{m1}})
		if code != 422 {
			t.Errorf("edit attaching another status's media = %d, want 422", code)
		}
		code, body = post(t, f, "PUT", "/api/v1/statuses/"+id, auth, map[string]any{"status": "edited, media back",
			"media_ids": []string{m1}, "sensitive": false, "spoiler_text": ""})
		if code != http.StatusOK || body["id"] != id {
			t.Errorf("an edit that changes nothing = %d %v; Mastodon answers 200 with the status", code, body)
		}
	})
	t.Run("gotosocial", func(t *testing.T) {
		f := mastodon.NewFake(t, mastodon.FakeOptions{GoToSocial: true})
		_, st := post(t, f, "POST", "/api/v1/statuses", auth, map[string]any{"status": "plain", "language": "de"})
		id := st["id"].(string)
		code, body := post(t, f, "PUT", "/api/v1/statuses/"+id, auth, map[string]any{"status": "plain", "language": "de"})
		if diff := cmp.Diff(map[string]any{"error": "Unprocessable Entity: status was not changed"}, body); code != 422 || diff != "" {
			t.Errorf("an edit that changes nothing = %d (-want +got):\n%s", code, diff)
		}
		code, body = post(t, f, "PUT", "/api/v1/statuses/"+id, auth, map[string]any{"status": "plain", "media_ids": []string{"999"}})
		if diff := cmp.Diff(map[string]any{"error": "Bad Request: media not found: 999"}, body); code != 400 || diff != "" {
			t.Errorf("an unknown media id = %d (-want +got):\n%s", code, diff)
		}
		code, body = post(t, f, "PUT", "/api/v1/statuses/"+id, auth, map[string]any{"status": "plain, edited"})
		if code != http.StatusOK || body["language"] != "en" {
			t.Errorf("an edit without language = %d, language %v; GoToSocial resets it to the account's (en)", code, body["language"])
		}
	})
}

// thread publishes a two-part thread whose first part carries img, and
// returns the receipt.
func thread(t *testing.T, pub platforms.Publisher, text1, text2 string, media ...platforms.Media) *platforms.Receipt {
	t.Helper()
	r, err := pub.Publish(t.Context(), &platforms.Payload{Parts: []platforms.Part{{Text: text1}, {Text: text2}}, Media: media,
		Options: map[string]any{"language": "de", "sensitive": true}}, "attempt-edit")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// state is what the fake holds for each part: text, edits, media as
// id=alt.
func state(f *mastodon.Fake) []string {
	var out []string
	for _, p := range f.Posts() {
		s := p.Text + " edits=" + string(rune('0'+p.Edits))
		for _, m := range p.Media {
			s += " " + m.ID + "=" + m.Alt
		}
		out = append(out, s)
	}
	return out
}

func TestUpdateKeepsMediaAndEditsOnlyWhatChanged(t *testing.T) {
	other := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-other-pixels")
	otherImage := func(path, alt string) platforms.Media {
		m := image(path, alt)
		m.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(other)), nil }
		return m
	}
	for _, gts := range []bool{false, true} {
		name := "mastodon"
		if gts {
			name = "gotosocial"
		}
		t.Run(name, func(t *testing.T) {
			f := mastodon.NewFake(t, mastodon.FakeOptions{Now: testEnv(t).Now, GoToSocial: gts})
			pub := newAdapter(t, f, testEnv(t), nil)
			up := pub.(platforms.Updater)
			r := thread(t, pub, "one", "two", image("posts/a.png", "alt A"))
			m1 := f.Posts()[0].Media[0].ID
			edit := func(text1, text2 string, media ...platforms.Media) {
				t.Helper()
				var err error
				r, err = up.Update(t.Context(), r, &platforms.Payload{Parts: []platforms.Part{{Text: text1}, {Text: text2}}, Media: media,
					Options: map[string]any{"language": "de", "sensitive": true}})
				if err != nil {
					t.Fatal(err)
				}
			}
			steps := []struct {
				name  string
				edit  func()
				want  []string
				extra map[string]string
			}{
				{"part one's text: the image stays, part two is not sent",
					func() { edit("one, edited", "two", image("posts/a.png", "alt A")) },
					[]string{"one, edited edits=1 " + m1 + "=alt A", "two edits=0"},
					map[string]string{"media_ids": m1, "media_sha256": sha(pngBytes)}},
				{"alt text: the same attachment, described anew",
					func() { edit("one, edited", "two", image("posts/a.png", "alt B")) },
					[]string{"one, edited edits=2 " + m1 + "=alt B", "two edits=0"},
					map[string]string{"media_ids": m1, "media_sha256": sha(pngBytes)}},
				{"nothing changed: nothing is sent",
					func() { edit("one, edited", "two", image("posts/a.png", "alt B")) },
					[]string{"one, edited edits=2 " + m1 + "=alt B", "two edits=0"},
					map[string]string{"media_ids": m1, "media_sha256": sha(pngBytes)}},
				{"a new file: uploaded, and it replaces the old one",
					func() { edit("one, edited", "two", otherImage("posts/a.png", "alt B")) },
					[]string{"one, edited edits=3 4=alt B", "two edits=0"},
					map[string]string{"media_ids": "4", "media_sha256": sha(other)}},
				{"a second image added before the first: one upload, the first kept",
					func() { edit("one, edited", "two", image("posts/b.png", "alt C"), otherImage("posts/a.png", "alt B")) },
					[]string{"one, edited edits=4 5=alt C 4=alt B", "two edits=0"},
					map[string]string{"media_ids": "5,4", "media_sha256": sha(pngBytes) + "," + sha(other)}},
				{"images removed, part two edited",
					func() { edit("one, edited", "two, edited") },
					[]string{"one, edited edits=5", "two, edited edits=1"},
					map[string]string{}},
			}
			for _, s := range steps {
				s.edit()
				if diff := cmp.Diff(s.want, state(f)); diff != "" {
					t.Errorf("%s: the server holds (-want +got):\n%s", s.name, diff)
				}
				extra := map[string]string{}
				for k, v := range r.Extra {
					extra[k] = v
				}
				if diff := cmp.Diff(s.extra, extra); diff != "" {
					t.Errorf("%s: receipt extra (-want +got):\n%s", s.name, diff)
				}
				for _, p := range f.Posts() {
					if p.Fields["language"] != "de" || p.Fields["sensitive"] != true {
						t.Errorf("%s: status %s has language %v, sensitive %v; an edit keeps them", s.name, p.ID, p.Fields["language"], p.Fields["sensitive"])
					}
				}
			}
		})
	}
}

func TestUpdateRestoresMediaOfAnOldReceipt(t *testing.T) {
	// A receipt from before fingerprints (or from Find) has no Extra: an
	// attachment is taken to hold the file at its position, and a status
	// an older herald stripped of its image gets it back.
	f := mastodon.NewFake(t, mastodon.FakeOptions{Now: testEnv(t).Now})
	pub := newAdapter(t, f, testEnv(t), nil)
	r := thread(t, pub, "one", "two", image("posts/a.png", "alt A"))
	r.Extra = nil
	id := r.IDs[0]
	status, body := post(t, f, "PUT", "/api/v1/statuses/"+id, "Bearer "+mastodon.FakeToken,
		map[string]any{"status": "one", "language": "de", "sensitive": true})
	if status != http.StatusOK || len(attachments(body)) != 0 {
		t.Fatalf("setting up the stripped status: %d %v", status, body)
	}
	r2, err := pub.(platforms.Updater).Update(t.Context(), r, &platforms.Payload{Parts: []platforms.Part{{Text: "one"}, {Text: "two"}},
		Media: []platforms.Media{image("posts/a.png", "alt A")}, Options: map[string]any{"language": "de", "sensitive": true}})
	if err != nil {
		t.Fatal(err)
	}
	// Media 1 and statuses 2 and 3 were made before: the upload is 4.
	if diff := cmp.Diff([]string{"one edits=2 4=alt A", "two edits=0"}, state(f)); diff != "" {
		t.Errorf("the server holds (-want +got):\n%s", diff)
	}
	if r2.Extra["media_ids"] != "4" {
		t.Errorf("receipt extra %v, want the new attachment recorded", r2.Extra)
	}
}

func TestUpdateTakesNotChangedAsSuccess(t *testing.T) {
	// The server holds the wanted text already, but a stale read says
	// otherwise (another run edited it in between): GoToSocial answers
	// the edit 422 "status was not changed", which is success.
	f := mastodon.NewFake(t, mastodon.FakeOptions{Now: testEnv(t).Now, GoToSocial: true})
	target, _ := url.Parse(f.URL())
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	proxy.Transport = f.Client().Transport
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method == http.MethodGet && strings.HasSuffix(resp.Request.URL.Path, "/source") {
			resp.Body = io.NopCloser(strings.NewReader(`{"id":"1","text":"stale","spoiler_text":""}`))
			resp.ContentLength = -1
			resp.Header.Del("Content-Length")
		}
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)

	reg := platforms.NewRegistry(map[string]platforms.Constructor{"mastodon": mastodon.New})
	env := testEnv(t)
	pub, err := reg.New(platforms.Settings{Account: "mastodon", Platform: "mastodon", BaseURL: srv.URL + target.Path,
		Values: map[string]any{"token_env": tokenEnv}, Getenv: func(string) string { return mastodon.FakeToken },
		HTTPClient: srv.Client(), Logger: env.Logger, Now: env.Now})
	if err != nil {
		t.Fatal(err)
	}
	p := &platforms.Payload{Parts: []platforms.Part{{Text: "same"}}}
	r, err := pub.Publish(t.Context(), p, "attempt")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := pub.(platforms.Updater).Update(t.Context(), r, p)
	if err != nil {
		t.Fatalf("update answered 'status was not changed' = %v, want success", err)
	}
	if diff := cmp.Diff(r.IDs, r2.IDs); diff != "" {
		t.Errorf("receipt IDs (-before +after):\n%s", diff)
	}
	if n := f.Posts()[0].Edits; n != 0 {
		t.Errorf("the status was edited %d times, want 0", n)
	}
}

// TestDeleteConfirmsTheStatusIsGone: GoToSocial deletes in the background
// and was seen to lose a deletion: Delete reads each status until the
// server answers 404, deletes once more a status still served halfway
// through its wait, and fails, for the next run to try again, when the
// status is still there at the end.
func TestDeleteConfirmsTheStatusIsGone(t *testing.T) {
	for _, tt := range []struct {
		name        string
		opts        mastodon.FakeOptions
		wantErr     string
		wantRemains int
	}{
		{"deleted in the background", mastodon.FakeOptions{DeleteReads: 3}, "", 0},
		{"a lost deletion is sent again", mastodon.FakeOptions{LoseDeletes: 1}, "", 0},
		{"a status that stays is an error", mastodon.FakeOptions{LoseDeletes: 10}, "still serves it", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Now = testEnv(t).Now
			f := mastodon.NewFake(t, tt.opts)
			pub := newAdapter(t, f, testEnv(t), nil)
			mastodon.SetDeleteWait(pub, 50*time.Millisecond)
			r, err := pub.Publish(t.Context(), &platforms.Payload{Parts: []platforms.Part{{Text: "one"}, {Text: "two"}}}, "k")
			if err != nil {
				t.Fatal(err)
			}
			err = pub.(platforms.Deleter).Delete(t.Context(), r)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("delete = %v, want error %q", err, tt.wantErr)
			}
			if n := len(f.Posts()); n != tt.wantRemains {
				t.Errorf("%d statuses remain, want %d", n, tt.wantRemains)
			}
		})
	}
}
