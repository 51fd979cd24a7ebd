package gitfs

import (
	"bytes"
	"crypto/sha1"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/google/go-cmp/cmp"
)

// goGitIndex decodes data with go-git's decoder.
func goGitIndex(data []byte) (*index.Index, error) {
	idx := &index.Index{}
	err := index.NewDecoder(bytes.NewReader(data)).Decode(idx)
	return idx, err
}

// sameAsGoGit fails unless decodeIndex either leaves data to go-git or
// gives the entries and version go-git gives.
func sameAsGoGit(t *testing.T, what string, data []byte) (fast bool) {
	t.Helper()
	got, ok := decodeIndex(data)
	if !ok {
		return false
	}
	want, err := goGitIndex(data)
	if err != nil {
		t.Fatalf("%s: decoded, but go-git refuses it: %v", what, err)
	}
	if got.Version != want.Version {
		t.Errorf("%s: version %d, go-git %d", what, got.Version, want.Version)
	}
	if diff := cmp.Diff(want.Entries, got.Entries); diff != "" {
		t.Fatalf("%s: entries (-go-git +fast):\n%s", what, diff)
	}
	return true
}

func readIndexFile(t *testing.T, dir string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestDecodeIndexMatchesGoGit: the index files git writes (plain, with
// a conflict, an intent to add, a skip-worktree entry, a name longer
// than 4094 bytes, the untracked cache) decode to go-git's entries;
// version 4 and a split index are left to go-git.
func TestDecodeIndexMatchesGoGit(t *testing.T) {
	dir := commitRepo(t, map[string]string{
		"herald.yaml":     "timezone: UTC\n",
		"posts/a.md":      "A\n",
		"posts/b/c.md":    "C\n",
		"posts/link.md":   "->a.md",
		"posts/image.png": "\x89PNG",
	})
	if !sameAsGoGit(t, "after a commit", readIndexFile(t, dir)) {
		t.Fatal("a plain version 2 index was left to go-git")
	}

	// A conflict: stages 1 to 3 of one path.
	gitCmd(t, dir, "checkout", "-q", "-b", "side")
	write(t, dir, map[string]string{"posts/a.md": "side\n"})
	gitCmd(t, dir, "commit", "-q", "-am", "side")
	gitCmd(t, dir, "checkout", "-q", "main")
	write(t, dir, map[string]string{"posts/a.md": "main\n"})
	gitCmd(t, dir, "commit", "-q", "-am", "main")
	merge := exec.CommandContext(t.Context(), "git", "merge", "-q", "side")
	merge.Dir = dir
	merge.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=writer", "GIT_AUTHOR_EMAIL=writer@example.com",
		"GIT_COMMITTER_NAME=writer", "GIT_COMMITTER_EMAIL=writer@example.com")
	if out, err := merge.CombinedOutput(); err == nil {
		t.Fatalf("the merge did not conflict:\n%s", out)
	}
	data := readIndexFile(t, dir)
	if !sameAsGoGit(t, "a conflict", data) {
		t.Fatal("an index with a conflict was left to go-git")
	}
	if idx, _ := decodeIndex(data); !hasStage(idx) {
		t.Fatal("the conflict's stages are missing")
	}
	gitCmd(t, dir, "merge", "--abort")

	// Extended flags: version 3.
	write(t, dir, map[string]string{"posts/new.md": "new\n", "posts/hidden.md": "hidden\n"})
	gitCmd(t, dir, "add", "-N", "posts/new.md")
	gitCmd(t, dir, "add", "posts/hidden.md")
	gitCmd(t, dir, "update-index", "--skip-worktree", "posts/hidden.md")
	data = readIndexFile(t, dir)
	if !sameAsGoGit(t, "intent to add, skip-worktree", data) {
		t.Fatal("a version 3 index was left to go-git")
	}
	if idx, _ := decodeIndex(data); idx.Version != 3 {
		t.Fatalf("version %d, want 3", idx.Version)
	}

	// A name of 4095 bytes or more ends at a NUL.
	long := strings.Repeat("d/", 2100) + "long.md"
	blob := gitCmd(t, dir, "hash-object", "-w", "posts/a.md")
	gitCmd(t, dir, "update-index", "--add", "--cacheinfo", "100644,"+blob+","+long)
	if !sameAsGoGit(t, "a long name", readIndexFile(t, dir)) {
		t.Fatal("an index with a long name was left to go-git")
	}
	gitCmd(t, dir, "update-index", "--force-remove", long)

	// The untracked cache: an optional extension, skipped.
	gitCmd(t, dir, "-c", "core.untrackedCache=true", "update-index", "--untracked-cache")
	gitCmd(t, dir, "-c", "core.untrackedCache=true", "status", "--porcelain")
	data = readIndexFile(t, dir)
	if !bytes.Contains(data, []byte("UNTR")) {
		t.Fatal("no untracked cache written")
	}
	if !sameAsGoGit(t, "the untracked cache", data) {
		t.Fatal("an index with the untracked cache was left to go-git")
	}
	gitCmd(t, dir, "update-index", "--no-untracked-cache")

	// Version 4 (prefix-compressed names): go-git's.
	gitCmd(t, dir, "update-index", "--index-version", "4")
	if sameAsGoGit(t, "version 4", readIndexFile(t, dir)) {
		t.Error("a version 4 index was decoded, not left to go-git")
	}
	gitCmd(t, dir, "update-index", "--index-version", "2")

	// A split index (a "link" extension go-git refuses): go-git's.
	gitCmd(t, dir, "update-index", "--split-index")
	if sameAsGoGit(t, "a split index", readIndexFile(t, dir)) {
		t.Error("a split index was decoded, not left to go-git")
	}
}

// TestDecodeIndexMutated: an index with bytes changed (and its checksum
// made right again, or not) is either left to go-git or decoded to what
// go-git decodes; never accepted where go-git would fail.
func TestDecodeIndexMutated(t *testing.T) {
	files := map[string]string{"herald.yaml": "timezone: UTC\n"}
	for i := range 40 {
		files[filepath.Join("posts", strings.Repeat("x", i%7), "p"+strings.Repeat("y", i)+".md")] = strings.Repeat("z", i)
	}
	dir := commitRepo(t, files)
	write(t, dir, map[string]string{"posts/n.md": "n\n"})
	gitCmd(t, dir, "add", "-N", "posts/n.md")
	orig := readIndexFile(t, dir)
	rng := rand.New(rand.NewPCG(1, 2))
	fast := 0
	for i := range 3000 {
		data := bytes.Clone(orig)
		body := len(data) - sha1.Size
		for range 1 + rng.IntN(3) {
			p := rng.IntN(body)
			switch rng.IntN(3) {
			case 0:
				data[p] ^= byte(1 << rng.IntN(8))
			case 1:
				data[p] = 0
			default:
				data[p] = byte(rng.IntN(256))
			}
		}
		if rng.IntN(8) == 0 {
			data = append(data[:rng.IntN(body)], data[body:]...) // cut short
			body = len(data) - sha1.Size
		}
		if rng.IntN(10) != 0 && body >= 0 {
			sum := sha1.Sum(data[:body])
			copy(data[body:], sum[:])
		}
		if sameAsGoGit(t, "mutation", data) {
			fast++
		}
		if t.Failed() {
			t.Fatalf("mutation %d", i)
		}
	}
	t.Logf("%d of 3000 mutations decoded, the others left to go-git", fast)
	if fast == 0 {
		t.Error("no mutation was decoded: the comparison tested nothing")
	}
}

func hasStage(idx *index.Index) bool {
	for _, e := range idx.Entries {
		if e.Stage != 0 {
			return true
		}
	}
	return false
}
