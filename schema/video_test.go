package schema

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/videotest"
)

// TestProbeVideo reads duration and shown size from each container herald
// takes, in the layouts cameras and phones write.
func TestProbeVideo(t *testing.T) {
	tests := []struct {
		name string
		typ  string
		data []byte
		want videoInfo
	}{
		{"mp4", "video/mp4", videotest.MP4(videotest.Spec{Duration: 12500 * time.Millisecond, Width: 1920, Height: 1080, Padding: 100}),
			videoInfo{12500 * time.Millisecond, 1920, 1080}},
		{"mp4 with the movie header last", "video/mp4", videotest.MP4(videotest.Spec{Duration: 90 * time.Second, Width: 1280, Height: 720, MoovLast: true, Padding: 4096}),
			videoInfo{90 * time.Second, 1280, 720}},
		{"portrait phone video, stored turned", "video/quicktime", videotest.MOV(videotest.Spec{Duration: 3 * time.Second, Width: 1080, Height: 1920, Rotate90: true}),
			videoInfo{3 * time.Second, 1080, 1920}},
		{"webm", "video/webm", videotest.WebM(videotest.Spec{Duration: 61 * time.Second, Width: 640, Height: 640, Padding: 50}),
			videoInfo{61 * time.Second, 640, 640}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sniff(tt.data[:min(len(tt.data), sniffLen)]); got != tt.typ {
				t.Fatalf("sniff = %s, want %s", got, tt.typ)
			}
			got, err := probeVideo(tt.typ, bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("probe (-want +got):\n%s", diff)
			}
		})
	}
}

// TestProbeVideoBroken names what is wrong with a video herald cannot
// measure.
func TestProbeVideoBroken(t *testing.T) {
	full := videotest.MP4(videotest.Spec{Duration: time.Second, Width: 10, Height: 10, MoovLast: true, Padding: 64})
	webm := videotest.WebM(videotest.Spec{Duration: time.Second, Width: 10, Height: 10})
	tests := []struct {
		name, typ string
		data      []byte
		want      string
	}{
		{"only a file type box", "video/mp4", []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), "no movie header"},
		{"cut before the movie header", "video/mp4", full[:len(full)-40], "cut short"},
		{"a box smaller than its header", "video/mp4", []byte("\x00\x00\x00\x04ftyp"), "less than its header"},
		{"webm without its header", "video/webm", webm[10:], "EBML header"},
		{"webm cut in its tracks", "video/webm", webm[:120], "cut short"},
		{"another container", "video/x-msvideo", []byte("RIFF"), "MP4, MOV and WebM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := probeVideo(tt.typ, bytes.NewReader(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// onlyReader hides every method but Read, as a streamed blob does.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// TestResolveVideo fills a video's figures through ResolveMedia, reading
// a file with a large media data box (the moov box last) forward only.
func TestResolveVideo(t *testing.T) {
	big := videotest.MP4(videotest.Spec{Duration: 45 * time.Second, Width: 720, Height: 1280, MoovLast: true, Padding: 3 << 20})
	fsys := fstest.MapFS{
		"posts/big.mp4":  {Data: big},
		"posts/bad.webm": {Data: videotest.WebM(videotest.Spec{Width: 10, Height: 10})},
	}
	p := mediaPost(t, testConfig(), "{file: big.mp4, alt: a clip}", "{file: bad.webm, alt: b}")
	errs := ResolveMedia(fsys, testConfig(), p)
	want := Errors{mediaErr(5, 6, "media.1.file", `cannot read the length and size of the video "bad.webm": the WebM file gives no duration (Segment Info Duration): remux it so that it does; export it again as MP4 (H.264)`)}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	m := p.Media[0]
	if m.Duration != 45*time.Second || m.Width != 720 || m.Height != 1280 || m.Size != int64(len(big)) || m.Hash != sha(big) {
		t.Errorf("media = %+v", m)
	}
	// A streamed reader without Seek reads the same.
	got, err := probeVideo("video/mp4", onlyReader{bytes.NewReader(big)})
	if err != nil || got.Duration != 45*time.Second {
		t.Errorf("probe of a plain reader = %+v, %v", got, err)
	}
}

// TestResolveVideoFromCommit reads a video of a few MiB, its movie header
// after the media data, from the work tree and from its commit
// (internal/gitfs, which streams blobs over 1 MiB), with the same figures.
func TestResolveVideoFromCommit(t *testing.T) {
	dir := t.TempDir()
	big := videotest.MP4(videotest.Spec{Duration: 75 * time.Second, Width: 1080, Height: 1920, Rotate90: true, MoovLast: true, Padding: 3 << 20})
	webm := videotest.WebM(videotest.Spec{Duration: 8 * time.Second, Width: 640, Height: 480, Padding: 2 << 20})
	for name, data := range map[string][]byte{"posts/big.mp4": big, "posts/clip.webm": webm, "posts/launch.md": []byte("x")} {
		full := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, fsys := range repoFS(t, dir) {
		t.Run(name, func(t *testing.T) {
			p := mediaPost(t, testConfig(), "{file: big.mp4, alt: a}", "{file: clip.webm, alt: b}")
			if errs := ResolveMedia(fsys, testConfig(), p); errs != nil {
				t.Fatal(errs)
			}
			got := []Media{p.Media[0], p.Media[1]}
			for i := range got {
				got[i] = Media{Type: got[i].Type, Size: got[i].Size, Hash: got[i].Hash, Duration: got[i].Duration, Width: got[i].Width, Height: got[i].Height}
			}
			want := []Media{
				{Type: "video/mp4", Size: int64(len(big)), Hash: sha(big), Duration: 75 * time.Second, Width: 1080, Height: 1920},
				{Type: "video/webm", Size: int64(len(webm)), Hash: sha(webm), Duration: 8 * time.Second, Width: 640, Height: 480},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("media (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzProbeVideo feeds the readers broken containers: they return an
// error or figures, never panic, and never read more than they were given.
func FuzzProbeVideo(f *testing.F) {
	for _, s := range []videotest.Spec{{Duration: time.Second, Width: 16, Height: 9}, {Duration: 2 * time.Second, Width: 9, Height: 16, Rotate90: true, MoovLast: true, Padding: 10}} {
		f.Add("video/mp4", videotest.MP4(s))
		f.Add("video/quicktime", videotest.MOV(s))
		f.Add("video/webm", videotest.WebM(s))
	}
	f.Fuzz(func(t *testing.T, typ string, data []byte) {
		info, err := probeVideo(typ, bytes.NewReader(data))
		if err == nil && (info.Width <= 0 || info.Height <= 0) {
			t.Errorf("no error, and a size of %dx%d", info.Width, info.Height)
		}
	})
}
