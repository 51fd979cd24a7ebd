package schema

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestValidateVideo checks the video limits of the table: length, size,
// aspect ratio, type, how many videos and whether images may go beside
// one, each reported at the media item's file key, and a change made in
// herald.cue.
func TestValidateVideo(t *testing.T) {
	const accounts = `accounts: {
	x: token_env: "T"
	mastodon: {instance: "https://m.example", token_env: "T"}
	instagram: token_env: "T"
	ghost: {url: "https://blog.example", admin_key_env: "K"}
	youtube: token_env: "T"
}
`
	// Media: the given ones, each item three lines below the last (the
	// first one's file key is on line 5).
	post := func(to string, media ...Media) (*Post, Rendered) {
		var items []any
		lines := []string{"to", "media"}
		for i, m := range media {
			items = append(items, map[string]any{"file": m.File, "alt": "v"})
			n := joinIndex("media", i)
			lines = append(lines, n+"@5", n+".file@7", n+".alt@7")
		}
		p := testPost(map[string]any{"to": []any{to}, "media": items}, nil, lines...)
		p.Media = media
		p.To = []Target{{Name: to, Platform: to}}
		r := render(to, to, RenderedPart{Length: 1, Bytes: 1, Line: 30})
		r.Media = len(media)
		for i, m := range media {
			r.MediaTypes = append(r.MediaTypes, m.Type)
			if strings.HasPrefix(m.Type, "image/") {
				r.Images = append(r.Images, RenderedImage{Media: i, Bytes: m.Size})
			} else {
				r.Videos = append(r.Videos, RenderedVideo{Media: i, Type: m.Type, Bytes: m.Size, Duration: m.Duration, Width: m.Width, Height: m.Height})
			}
		}
		return p, r
	}
	pic := Media{File: "pic.png", Type: "image/png", Size: 100}
	photo := Media{File: "photo.jpg", Type: "image/jpeg", Size: 100} // Instagram takes JPEG only
	clip := func(name, typ string, secs float64, w, h int, size int64) Media {
		return Media{File: name, Type: typ, Size: size, Duration: time.Duration(secs * float64(time.Second)), Width: w, Height: h}
	}
	// The file key of media item i is on line 5 + 3*i.
	at := func(i int, msg string) *Error {
		field := joinPath(joinIndex("media", i), "file")
		return &Error{File: "posts/launch.md", Line: 5 + 3*i, Column: 7, Field: field, Message: msg, Severity: SeverityError}
	}
	atMedia := func(field, msg string) *Error {
		return &Error{File: "posts/launch.md", Line: 3, Column: 1, Field: field, Message: msg, Severity: SeverityError}
	}
	type tc struct {
		name string
		cue  string
		p    *Post
		r    Rendered
		want Errors
	}
	var tests []tc
	add := func(name, cue string, pr func() (*Post, Rendered), want ...*Error) {
		p, r := pr()
		tests = append(tests, tc{name, cue, p, r, want})
	}
	add("x: a 2 minute landscape MP4", "", func() (*Post, Rendered) {
		return (post("x", clip("a.mp4", "video/mp4", 120, 1280, 720, 50<<20)))
	})
	add("x: too long, too narrow, too big", "", func() (*Post, Rendered) {
		return (post("x", clip("long.mp4", "video/mp4", 150.25, 360, 1200, 600<<20)))
	},
		at(0, `"long.mp4" is 360x1200 (width/height 0.3); x takes videos whose width/height is from 0.333 to 3: crop it`),
		at(0, `"long.mp4" is 629,145,600 bytes; x takes videos of at most 536,870,912 bytes: compress or shorten it`),
		at(0, `"long.mp4" plays 150.25 s; x takes videos from 0.5 s to 140 s: trim it`))
	add("x: exactly 1:3", "", func() (*Post, Rendered) {
		return (post("x", clip("tall.mp4", "video/mp4", 10, 360, 1080, 1<<20)))
	})
	add("x: a WebM", "", func() (*Post, Rendered) {
		return (post("x", clip("a.webm", "video/webm", 10, 640, 360, 1<<20)))
	}, at(0, "x does not take video/webm files (a.webm): it takes image/jpeg, image/png, image/webp, image/gif, video/mp4, video/quicktime; convert the file"))
	add("x: a video beside an image", "", func() (*Post, Rendered) {
		return post("x", pic, clip("a.mp4", "video/mp4", 10, 640, 360, 1<<20))
	}, &Error{File: "posts/launch.md", Line: 3, Column: 1, Field: "x", Severity: SeverityError,
		Message: "x takes a video on its own: this post has 1 images beside it; post the images separately, or give x only the video"})
	add("mastodon: two videos", "", func() (*Post, Rendered) {
		return (post("mastodon", clip("a.webm", "video/webm", 10, 640, 360, 1<<20), clip("b.mp4", "video/mp4", 10, 640, 360, 1<<20)))
	}, atMedia("mastodon", "2 videos, mastodon takes at most 1 in a post"))
	add("mastodon: a long WebM", "", func() (*Post, Rendered) {
		return (post("mastodon", clip("a.webm", "video/webm", 3600, 640, 360, 90<<20)))
	})
	add("instagram: a reel of 2 s, and a carousel mixing images and video", "", func() (*Post, Rendered) {
		return post("instagram", photo, clip("short.mov", "video/quicktime", 2, 1080, 1920, 1<<20))
	}, at(1, `"short.mov" plays 2 s; instagram takes videos from 3 s to 900 s: trim it`))
	add("instagram: a WebM", "", func() (*Post, Rendered) {
		return (post("instagram", clip("a.webm", "video/webm", 10, 1080, 1920, 1<<20)))
	}, at(0, "instagram does not take video/webm files (a.webm): it takes image/jpeg, video/mp4, video/quicktime; convert the file"))
	add("ghost takes no video", "", func() (*Post, Rendered) {
		return (post("ghost", clip("a.mp4", "video/mp4", 10, 640, 360, 1<<20)))
	}, atMedia("ghost", "ghost takes no video: 1 of the media are videos"))
	add("youtube: hours long", "", func() (*Post, Rendered) {
		return (post("youtube", clip("talk.mp4", "video/mp4", 3*3600, 1920, 1080, 400<<20)))
	})
	add("herald.cue shortens x's videos", "limits: x: max_video_seconds: 60\n", func() (*Post, Rendered) {
		return (post("x", clip("a.mp4", "video/mp4", 61, 1280, 720, 1<<20)))
	}, at(0, `"a.mp4" plays 61 s; x takes videos from 0.5 s to 60 s: trim it`))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newTestValidator(t, accounts+tc.cue)
			got := v.Validate(tc.p, []Rendered{tc.r})
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}
