package vcache

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// fill sets every field v holds, recursively, to a value that is not
// its zero, different for each field: a field the codec forgets then
// comes back zero and the round trip differs.
func fill(t *testing.T, v reflect.Value, n *int) {
	t.Helper()
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + string(rune('a'+*n%26)) + time.Duration(*n).String())
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n) * 1000003)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(t, v.Index(i), n)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(t, k, n)
			fill(t, e, n)
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			zone := time.FixedZone("", (*n%24-12)*3600)
			v.Set(reflect.ValueOf(time.Date(2026, 1, 1, 0, 0, 0, *n, time.UTC).Add(time.Duration(*n) * time.Hour).In(zone)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i), n)
			}
		}
	default:
		t.Fatalf("fill: no value for a %s: teach the codec (recordcodec.go) and this test the new field", v.Type())
	}
}

// TestRecordCodecEveryField: every field of a record survives the
// cache's file, so a field added to state.Record must be added to the
// codec too.
func TestRecordCodecEveryField(t *testing.T) {
	var rec state.Record
	n := 0
	fill(t, reflect.ValueOf(&rec).Elem(), &n)
	neg := int64(-1 << 62)
	sparse := &state.Record{Post: "b", Targets: map[string]state.TargetState{"x": {Status: state.StatusPublished, Attempts: -3,
		Metrics: &state.Metrics{Likes: new(int64), Clicks: &neg}}}}
	entries := map[string]cachedRecord{
		".herald/state/a.json": {Sum: "abc", Stat: fileStat{Size: 1, ModTime: 2, Ctime: 3, Ino: 4}, Seen: 5, Record: &rec},
		".herald/state/b.json": {Sum: "def", Record: sparse},
		".herald/state/c.json": {Sum: "bad"},
	}
	got, ok := decodeRecords(string(encodeRecords(entries)))
	if !ok {
		t.Fatal("the codec could not read what it wrote")
	}
	if diff := cmp.Diff(entries, got, cmp.AllowUnexported(cachedRecord{}, fileStat{})); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// TestRecordCodecCorrupt: a truncated or altered file is no cache, never
// a record read wrong, and never a panic or a huge allocation.
func TestRecordCodecCorrupt(t *testing.T) {
	rec := &state.Record{Post: "a", Targets: map[string]state.TargetState{"x": {Status: state.StatusPublished, IDs: []string{"1", "2"},
		UpdatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	data := encodeRecords(map[string]cachedRecord{".herald/state/a.json": {Sum: "abc", Record: rec}})
	for i := range len(data) {
		if _, ok := decodeRecords(string(data[:i])); ok {
			t.Errorf("a file cut at byte %d of %d was read", i, len(data))
		}
	}
	if _, ok := decodeRecords(string(append(append([]byte(nil), data...), 0))); ok {
		t.Error("a file with a byte after its end was read")
	}
	for i := len(recordsMagic); i < len(data); i++ {
		bad := append([]byte(nil), data...)
		bad[i] = 0xff
		decodeRecords(string(bad)) // must not panic
	}
}

// TestEntryCodecEveryField: every field of a validation cache entry
// survives the cache's file, so a field added to Entry or schema.Summary
// must be added to the codec too.
func TestEntryCodecEveryField(t *testing.T) {
	var full Entry
	n := 0
	fill(t, reflect.ValueOf(&full).Elem(), &n)
	entries := map[string]Entry{
		"posts/a.md": full,
		"posts/b.md": {Sum: "b", Summary: &schema.Summary{ID: "b", Targets: []schema.TargetSummary{{Name: "x"}}}},
		"posts/c.md": {Sum: "c", Errors: schema.Errors{{File: "posts/c.md", Message: "bad", Severity: schema.SeverityError}}},
	}
	data := encodeEntries("k1", entries)
	got, ok := decodeEntries(string(data), "k1")
	if !ok {
		t.Fatal("the codec could not read what it wrote")
	}
	if diff := cmp.Diff(entries, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if _, ok := decodeEntries(string(data), "k2"); ok {
		t.Error("a cache made for another key was read")
	}
	for i := range len(data) {
		if _, ok := decodeEntries(string(data[:i]), "k1"); ok {
			t.Errorf("a file cut at byte %d of %d was read", i, len(data))
		}
	}
	for i := len(entriesMagic); i < len(data); i += 7 {
		bad := append([]byte(nil), data...)
		bad[i] ^= 0xff
		decodeEntries(string(bad), "k1") // must not panic
	}
}
