package state

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExtraRoundTrips: what an adapter recorded with a post (the media an
// edit must keep) is written with sorted keys, read back as written, and
// copied, not shared, by Clone; an empty map is not written.
func TestExtraRoundTrips(t *testing.T) {
	r := &Record{Version: Version, Post: "p", Targets: map[string]TargetState{
		"mastodon": {Status: StatusPublished, IDs: []string{"1"}, Extra: map[string]string{"media_sha256": "ab", "media_ids": "9"}},
		"x":        {Status: StatusPublished, IDs: []string{"2"}, Extra: map[string]string{}},
	}}
	data, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "\"extra\": {\n        \"media_ids\": \"9\",\n        \"media_sha256\": \"ab\"\n      }") {
		t.Errorf("encoded record does not hold the extra with sorted keys:\n%s", data)
	}
	if strings.Count(string(data), "\"extra\"") != 1 {
		t.Errorf("an empty extra is written:\n%s", data)
	}
	back, err := Decode("p.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r.Targets["mastodon"].Extra, back.Targets["mastodon"].Extra); diff != "" {
		t.Errorf("extra after a round trip (-want +got):\n%s", diff)
	}
	c := back.Clone()
	c.Targets["mastodon"].Extra["media_ids"] = "changed"
	if back.Targets["mastodon"].Extra["media_ids"] != "9" {
		t.Error("Clone shares the extra map")
	}
}
