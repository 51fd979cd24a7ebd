package state

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// reflogEntry is one line of a reflog: a ref moved from Old to New.
type reflogEntry struct {
	Old, New plumbing.Hash
	Who      string
	When     time.Time
	Message  string
}

// appendReflog appends git's reflog line for a ref that moved from old to
// new (zero: created) to .git/logs/<ref>, and to .git/logs/HEAD when the
// ref is the branch HEAD is on, so that `git reflog` shows herald's
// commits and a torn ref can be repaired from its log. A line is one
// write in append mode, as git writes it; a reader skips a line cut
// short. A failure is returned for logging: the ref has moved already.
func (s *GitStore) appendReflog(ref plumbing.ReferenceName, old, new plumbing.Hash, msg string) error {
	if old == new {
		return nil
	}
	line := formatReflog(reflogEntry{Old: old, New: new,
		Who: fmt.Sprintf("%s <%s>", s.identity.Name, s.identity.Email), When: s.now(), Message: msg})
	names := []string{ref.String()}
	if ref == s.branch {
		names = append(names, plumbing.HEAD.String())
	}
	for _, name := range names {
		path := filepath.Join(s.gitDir, "logs", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("append to the reflog of %s: %w", name, err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("append to the reflog of %s: %w", name, err)
		}
		_, werr := f.Write(line)
		cerr := f.Close()
		if werr != nil || cerr != nil {
			return fmt.Errorf("append to the reflog of %s: %w", name, errors.Join(werr, cerr))
		}
	}
	return nil
}

// formatReflog is git's reflog line: "<old> <new> <who> <unix time>
// <zone>\t<message>\n".
func formatReflog(e reflogEntry) []byte {
	msg := strings.Join(strings.Fields(e.Message), " ")
	_, off := e.When.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Appendf(nil, "%s %s %s %d %c%02d%02d\t%s\n", e.Old, e.New, e.Who, e.When.Unix(), sign, off/3600, off%3600/60, msg)
}

// readReflog returns the complete, well-formed lines of the reflog of
// ref, oldest first; a line cut short by a kill is skipped.
func readReflog(gitDir string, ref plumbing.ReferenceName) ([]reflogEntry, error) {
	data, err := os.ReadFile(filepath.Join(gitDir, "logs", filepath.FromSlash(ref.String())))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []reflogEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	complete := bytes.HasSuffix(data, []byte("\n"))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if !complete && len(lines) > 0 {
		lines = lines[:len(lines)-1]
	}
	for _, line := range lines {
		if e, ok := parseReflog(line); ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// parseReflog parses one reflog line.
func parseReflog(line string) (reflogEntry, bool) {
	head, msg, _ := strings.Cut(line, "\t")
	if len(head) < 83 || head[40] != ' ' || head[81] != ' ' || !isHash(head[:40]) || !isHash(head[41:81]) {
		return reflogEntry{}, false
	}
	e := reflogEntry{Old: plumbing.NewHash(head[:40]), New: plumbing.NewHash(head[41:81]), Message: msg}
	rest := head[82:]
	gt := strings.LastIndexByte(rest, '>')
	if gt < 0 {
		return reflogEntry{}, false
	}
	e.Who = rest[:gt+1]
	f := strings.Fields(rest[gt+1:])
	if len(f) != 2 {
		return reflogEntry{}, false
	}
	sec, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return reflogEntry{}, false
	}
	e.When = time.Unix(sec, 0).UTC()
	return e, true
}
