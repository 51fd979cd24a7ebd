package state

import (
	"context"
	"errors"
	"fmt"
	"path"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// ErrNotFound is returned by Load for a post that has no record: a post
// herald never acted on.
var ErrNotFound = errors.New("no state record")

// ErrNoChanges is returned by Commit when nothing staged differs from what
// is committed, so that callers skip the push.
var ErrNoChanges = errors.New("no state changes to commit")

// Store is where records are kept: read, staged, committed and published.
// It is what plan, apply and sync need and nothing more, so that a fake is
// a few lines (see MemStore).
//
// Load and Walk see staged records: a run reads its own writes.
type Store interface {
	// Load returns the record of one post, or an error wrapping
	// ErrNotFound.
	Load(ctx context.Context, postID string) (*Record, error)
	// Walk calls fn for every record, in ascending order of post ID, and
	// stops at the first error fn returns.
	Walk(ctx context.Context, fn func(*Record) error) error
	// Put stages records for the next Commit. A record put twice before a
	// Commit is replaced. Put fails on a record that cannot be encoded.
	Put(records ...*Record) error
	// PutFile stages a repository file outside Dir (a feed an adapter
	// wrote, an encrypted token) for the next Commit, so that it travels
	// with the state that describes it. merge combines the file's three
	// versions when a rejected push is replayed on the remote's head; nil
	// means ours wins. A file put twice before a Commit is replaced.
	// PutFile fails on a path that is not relative, leaves the work tree,
	// enters .git or lies under Dir.
	PutFile(path string, data []byte, merge MergeFunc) error
	// Commit records the staged records, and the staged files unless
	// info.RecordsOnly, in one commit and returns its ID. It returns
	// ErrNoChanges when nothing staged differs from what is committed.
	Commit(ctx context.Context, info CommitInfo) (string, error)
	// Push publishes every commit made since the last Push. A Store that
	// finds someone else's changes first re-applies its own records on top
	// of them, merged by the rule in Merge, and its own files, merged by
	// their MergeFunc.
	Push(ctx context.Context) error
}

// MergeFunc combines three versions of a file staged with PutFile when a
// rejected push is replayed: base, the file this store's commit replaced
// (nil: none); ours, what it wrote; theirs, what the remote's head holds
// (nil: none). It is called only when both sides changed the file. It
// returns the content to commit; an error stops the push and keeps the
// local commit, so that nothing is lost.
type MergeFunc func(base, ours, theirs []byte) ([]byte, error)

// checkFilePath refuses a PutFile path that could write outside the work
// tree, into .git, or over a record.
func checkFilePath(p string) error {
	if err := safePath(p); err != nil || path.Clean(p) != p {
		return fmt.Errorf("put file: %q is not a clean slash-separated path relative to the repository root", p)
	}
	if p == Dir || strings.HasPrefix(p, Dir+"/") {
		return fmt.Errorf("put file: %s is under %s, where only records go (use Put)", p, Dir)
	}
	return nil
}

// stagedFile is a file put and not yet committed; data is never nil.
type stagedFile struct {
	data  []byte
	merge MergeFunc
}

// CommitInfo describes a commit of state records.
type CommitInfo struct {
	// Summary is one line, for example "publish 3 posts". The message
	// reads "herald: <Summary> [skip ci]" and its body lists every post
	// and target that changed.
	Summary string
	// Time is the commit's author and committer time; the caller's clock.
	Time time.Time
	// RecordsOnly commits the staged records and leaves the staged files
	// staged for a later commit: apply's intent commit, which must not
	// carry what a platform call wrote.
	RecordsOnly bool
}

// change is one record file in a commit: the record written, and the one
// it replaces (nil for a new file).
type change struct {
	path string
	old  *Record
	new  *Record
}

// commitMessage builds the message of a commit of changes, sorted by path,
// then of the other files it writes.
func commitMessage(summary string, changes []change, files []string) string {
	var b strings.Builder
	if summary == "" {
		summary = "update state"
	}
	fmt.Fprintf(&b, "herald: %s [skip ci]\n", summary)
	sorted := append([]change(nil), changes...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].path < sorted[j].path })
	if len(sorted) > 0 || len(files) > 0 {
		b.WriteString("\n")
	}
	for _, c := range sorted {
		b.WriteString(describe(c))
		b.WriteString("\n")
	}
	files = slices.Sorted(slices.Values(files))
	for _, f := range files {
		fmt.Fprintf(&b, "- file %s\n", f)
	}
	return b.String()
}

// describe is one line of a commit body: the post, then each target that
// changed with its new status.
func describe(c change) string {
	var parts []string
	for _, name := range sortedKeys(c.new.Targets) {
		ts := c.new.Targets[name]
		if c.old != nil {
			if old, ok := c.old.Targets[name]; ok && reflect.DeepEqual(normTarget(old), normTarget(ts)) {
				continue
			}
		}
		parts = append(parts, name+" "+string(ts.Status))
	}
	line := "- " + c.new.Post
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, ", ")
	}
	return line
}

func normTarget(ts TargetState) TargetState {
	r := normalize(&Record{Post: "x", Targets: map[string]TargetState{"t": ts}})
	return r.Targets["t"]
}

func sortedKeys(m map[string]TargetState) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// staged is a record put and not yet committed, with its encoding.
type staged struct {
	rec  *Record
	data []byte
}

// stage encodes records for Put.
func stage(into map[string]staged, records []*Record) error {
	enc := make(map[string]staged, len(records))
	for _, r := range records {
		data, err := Encode(r)
		if err != nil {
			return fmt.Errorf("put state: %w", err)
		}
		rec, err := Decode(r.Post, data)
		if err != nil {
			return fmt.Errorf("put state: %w", err)
		}
		enc[r.Post] = staged{rec: rec, data: data}
	}
	for id, s := range enc {
		into[id] = s
	}
	return nil
}
