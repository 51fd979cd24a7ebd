package schema

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/adrg/frontmatter"
	"gopkg.in/yaml.v3"
)

// Limits on decoding front-matter, so that a hostile file (an alias bomb, a
// deeply nested list, a map of a million keys) costs little and fails with
// a positioned message. Every format is held to the same limits, and each
// scanner does work linear in the file under them.
const (
	// maxFrontDepth is how deeply values may nest: a post needs 4 levels.
	maxFrontDepth = 64
	// maxFrontNodes is how many values (keys, list items, scalars) the
	// front-matter may hold, aliases expanded.
	maxFrontNodes = 10_000
	// maxFrontKeys is how many keys one map may hold: the post's own keys
	// and one override per account fit many times over.
	maxFrontKeys = 1_000
	// maxFrontKeyBytes is the longest key: keys are names, not text.
	maxFrontKeyBytes = 128
	// maxFrontPathBytes bounds the dotted paths herald keeps to position
	// findings (keys nested deep under long names), so that they stay
	// small beside the file itself.
	maxFrontPathBytes = 8 << 20
)

// fmFormat is one way a post may open its front-matter.
type fmFormat struct {
	start, end string
	lang       string // "yaml", "toml" or "json"
	delims     bool   // the delimiters belong to the data ({ and })
	newline    bool   // the closing delimiter must be followed by a blank line
}

// jsonBraces is JSON front-matter in braces, without other delimiters.
var jsonBraces = fmFormat{start: "{", end: "}", lang: "json", delims: true, newline: true}

// fmFormats are the front-matter forms herald reads: the usual ones, and
// the explicit ---yaml, ---toml, ---json and ;;; forms adrg/frontmatter
// knows.
var fmFormats = []fmFormat{
	{start: "---", end: "---", lang: "yaml"},
	{start: "---yaml", end: "---", lang: "yaml"},
	{start: "+++", end: "+++", lang: "toml"},
	{start: "---toml", end: "---", lang: "toml"},
	{start: ";;;", end: ";;;", lang: "json"},
	{start: "---json", end: "---", lang: "json"},
	jsonBraces,
}

// split is a normalised post file cut at its front-matter.
type split struct {
	format fmFormat
	open   int // offset of the opening delimiter line
	start  int // offset of the front-matter data
	raw    []byte
	body   int // offset of the body
}

// parseState is what parsing one post accumulates: findings, the decoded
// front-matter and where each of its fields is.
type parseState struct {
	file  string
	src   []byte
	lines []int // offset at which each line of src starts
	// ascii tells, by line, whether the line is ASCII only: its columns
	// are then byte offsets.
	ascii []bool
	// cur is the last position at computed: scanners ask in file order,
	// so a column on a long line costs the runes since the last one.
	cur   struct{ off, line, col int }
	errs  Errors
	front map[string]any
	pos   map[string]Position
	// textLine is the file line on which an override's text starts, by
	// path ("x.text"), for the Markdown parse of the text.
	textLine map[string]int
	nodes    int
	// stopped is set when a limit is broken: decoding stops there.
	stopped bool
	// keys counts the keys recorded below each map path (TOML spreads a
	// map over tables); pathBytes the bytes of every path recorded.
	keys      map[string]int
	pathBytes int
	// fatal is set when the front-matter cannot be read at all.
	fatal bool
	// textClean is set when the decoder knows checkText finds nothing.
	textClean bool
}

// isASCII reports whether b is all ASCII, eight bytes at a time.
func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func newParseState(file string, src []byte) *parseState {
	lines := make([]int, 1, bytes.Count(src, []byte{'\n'})+1)
	ascii := make([]bool, 0, cap(lines))
	all := isASCII(src) // most posts: no line to look at again
	for off := 0; ; {
		end := bytes.IndexByte(src[off:], '\n')
		if end < 0 {
			ascii = append(ascii, all || isASCII(src[off:]))
			break
		}
		end += off
		ascii = append(ascii, all || isASCII(src[off:end]))
		off = end + 1
		lines = append(lines, off)
	}
	s := &parseState{file: file, src: src, lines: lines, ascii: ascii, pos: map[string]Position{}}
	s.cur.col = 1
	return s
}

// at returns the file position of a byte offset in src. Columns count
// characters, as editors do.
func (s *parseState) at(off int) Position {
	off = max(0, min(off, len(s.src)))
	c := &s.cur
	end := len(s.src) + 1
	if c.line+1 < len(s.lines) {
		end = s.lines[c.line+1]
	}
	switch {
	case off >= c.off && off < end && (c.off == len(s.src) || utf8.RuneStart(s.src[c.off])):
		// On the line of the last position, at or after it.
		c.col += utf8.RuneCount(s.src[c.off:off])
	default:
		i := sort.Search(len(s.lines), func(i int) bool { return s.lines[i] > off }) - 1
		c.line = max(i, 0)
		if s.ascii[c.line] {
			c.col = off - s.lines[c.line] + 1
		} else {
			c.col = utf8.RuneCount(s.src[s.lines[c.line]:off]) + 1
		}
	}
	c.off = off
	return Position{File: s.file, Line: c.line + 1, Col: c.col}
}

// lineOf returns the 1-based line of a byte offset in src.
func (s *parseState) lineOf(off int) int { return s.at(off).Line }

func (s *parseState) errorf(pos Position, field, format string, args ...any) {
	pos.File = s.file
	s.errs = append(s.errs, Errorf(pos, field, format, args...))
}

// warnf records advice: something that is valid but probably not meant.
func (s *parseState) warnf(pos Position, field, format string, args ...any) {
	s.errorf(pos, field, format, args...)
	s.errs[len(s.errs)-1].Severity = SeverityWarning
}

// failf records a finding that stops the front-matter from being read.
func (s *parseState) failf(pos Position, format string, args ...any) {
	s.fatal = true
	s.errorf(pos, "", format, args...)
}

// record notes where a field path is, keeping the first position given.
// It reports false, having recorded the finding, when the paths kept
// outgrow maxFrontPathBytes.
func (s *parseState) record(path string, pos Position) bool {
	if _, ok := s.pos[path]; ok {
		return true
	}
	s.pathBytes += len(path)
	if s.pathBytes > maxFrontPathBytes {
		s.limit(pos, "front-matter is too large: its keys nest too deep under long names (more than %s of paths)",
			limitString(maxFrontPathBytes))
		return false
	}
	s.pos[path] = pos
	return true
}

// limit records the first limit a file breaks; it stops the front-matter
// from being read, and later limits add nothing.
func (s *parseState) limit(pos Position, format string, args ...any) {
	if s.stopped {
		return
	}
	s.stopped = true
	s.failf(pos, format, args...)
}

// budget counts one decoded node and reports whether decoding may go on.
func (s *parseState) budget(pos Position, depth int) bool {
	switch {
	case s.stopped:
		return false
	case s.nodes >= maxFrontNodes:
		s.limit(pos, "front-matter is too large: more than %d values (are aliases repeating it?)", maxFrontNodes)
		return false
	case depth > maxFrontDepth:
		s.limit(pos, "front-matter is nested more than %d levels deep", maxFrontDepth)
		return false
	}
	s.nodes++
	return true
}

// key checks one key of the map at parent against the key limits: its
// length, and how many keys the map holds. It reports whether decoding
// may go on.
func (s *parseState) key(pos Position, parent, key string) bool {
	if s.stopped {
		return false
	}
	if len(key) > maxFrontKeyBytes {
		s.limit(pos, "a key of %d bytes: keys are names of at most %d bytes", len(key), maxFrontKeyBytes)
		return false
	}
	if s.keys == nil {
		s.keys = map[string]int{}
	}
	s.keys[parent]++
	if s.keys[parent] > maxFrontKeys {
		where := "the front-matter"
		if parent != "" {
			where = strconv.Quote(parent)
		}
		s.limit(pos, "%s has more than %d keys", where, maxFrontKeys)
		return false
	}
	return true
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func joinIndex(path string, i int) string {
	return joinPath(path, strconv.Itoa(i))
}

// splitFrontMatter cuts src at its front-matter, as adrg/frontmatter
// does. It reports false, having recorded the finding, when src has no
// front-matter or an unterminated one.
func (s *parseState) splitFrontMatter() (split, bool) {
	open, lineEnd, first := openingLine(s.src)
	// The form is named by its opening line, the first form whose start
	// it is, as adrg/frontmatter picks it. Whenever the closing line is
	// found here, adrg/frontmatter finds one too (its lines match when
	// trimmed of all white space, these when trimmed on the right), so
	// its reading, a copy of the whole file, is left for the files that
	// do not close or open as expected, where its verdict shapes the
	// error.
	for i := range fmFormats {
		if fmFormats[i].start == first {
			if sp, ok := closeFrontMatter(s.src, fmFormats[i], open, lineEnd); ok {
				return sp, true
			}
			break
		}
	}
	return s.splitFrontMatterAdrg(open, lineEnd, first)
}

// openingLine finds the line that opens the front-matter: the first line
// that is not blank, from open to lineEnd, and its text trimmed.
func openingLine(src []byte) (open, lineEnd int, first string) {
	for open < len(src) {
		lineEnd = bytes.IndexByte(src[open:], '\n')
		if lineEnd < 0 {
			lineEnd = len(src)
		} else {
			lineEnd += open + 1
		}
		if len(bytes.TrimSpace(src[open:lineEnd])) > 0 {
			break
		}
		open = lineEnd
	}
	return open, lineEnd, string(bytes.TrimSpace(src[open:lineEnd]))
}

// splitFrontMatterAdrg is splitFrontMatter with adrg/frontmatter saying
// whether the front-matter closes: the reference the quick path above is
// tested against, and the path of every file it does not cut.
func (s *parseState) splitFrontMatterAdrg(open, lineEnd int, first string) (split, bool) {
	var got *fmFormat
	formats := make([]*frontmatter.Format, len(fmFormats))
	for i := range fmFormats {
		f := &fmFormats[i]
		formats[i] = &frontmatter.Format{
			Start: f.start, End: f.end, UnmarshalDelims: f.delims, RequiresNewLine: f.newline,
			Unmarshal: func([]byte, any) error {
				got = f
				return nil
			},
		}
	}
	if _, err := frontmatter.Parse(bytes.NewReader(s.src), nil, formats...); err != nil {
		s.errorf(s.at(open), "", "cannot read front-matter: %v", err)
		return split{}, false
	}
	var sp split
	ok := false
	if got != nil {
		sp, ok = closeFrontMatter(s.src, *got, open, lineEnd)
	}
	if ok {
		return sp, true
	}
	if strings.HasPrefix(first, "{") && first != "{" {
		// JSON front-matter that starts on its first line: {"title": ...}.
		if sp, ok := s.inlineJSON(open); ok {
			return sp, true
		}
		s.errorf(s.at(open), "", "unterminated front-matter: the JSON object that starts on line %d does not end "+
			"with a } followed by a blank line", s.lineOf(open))
		return split{}, false
	}
	for _, f := range fmFormats {
		if f.start == first {
			closing := fmt.Sprintf("no %q line closes it", f.end)
			if f.newline {
				closing = fmt.Sprintf("no %q line followed by a blank line closes it", f.end)
			}
			s.errorf(s.at(open), "", "unterminated front-matter: %s opens it on line %d but %s",
				f.start, s.lineOf(open), closing)
			return split{}, false
		}
	}
	s.errorf(s.at(open), "", "no front-matter: a post starts with --- (YAML), +++ (TOML) or { (JSON)")
	return split{}, false
}

// inlineJSON cuts JSON front-matter whose object starts on its first line
// (`{"title": "a"}`, on one line or more): it ends at the } that closes
// the object, which must end its line and be followed by a blank line
// (or the end of the file), as the } of the usual form. The scan is
// linear and keeps nothing.
func (s *parseState) inlineJSON(open int) (split, bool) {
	src := s.src
	depth, inStr, esc := 0, false, false
	for i := open; i < len(src); i++ {
		c := src[i]
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		}
		if depth > 0 {
			continue
		}
		if depth < 0 || c != '}' {
			return split{}, false
		}
		// The object ends here: the rest of its line must be blank, and
		// the next line too.
		end := len(src)
		if j := bytes.IndexByte(src[i:], '\n'); j >= 0 {
			end = i + j + 1
		}
		if len(bytes.TrimSpace(src[i+1:end])) != 0 {
			return split{}, false
		}
		body := end
		if body < len(src) {
			next := len(src)
			if j := bytes.IndexByte(src[body:], '\n'); j >= 0 {
				next = body + j + 1
			}
			if len(bytes.TrimSpace(src[body:next])) != 0 {
				return split{}, false
			}
			body = next
		}
		return split{format: jsonBraces, open: open, start: open, raw: src[open : i+1], body: body}, true
	}
	return split{}, false
}

// closeFrontMatter finds the closing delimiter of front-matter opened
// with f on the line at open. adrg/frontmatter found the format, but it
// also takes an indented delimiter as the end, which would cut a YAML
// block scalar holding a thematic break ("    ---") and silently move the
// rest of the front-matter into the body. herald closes front-matter only
// at a delimiter that starts its line.
func closeFrontMatter(src []byte, f fmFormat, open, afterOpen int) (split, bool) {
	sp := split{format: f, open: open, start: afterOpen}
	if f.delims {
		sp.start = open
	}
	for off := afterOpen; off < len(src); {
		end := bytes.IndexByte(src[off:], '\n')
		next := len(src)
		if end >= 0 {
			next = off + end + 1
		}
		line := bytes.TrimRight(src[off:next], " \t\n")
		if string(line) == f.end {
			body := next
			if f.newline {
				following := bytes.IndexByte(src[next:], '\n')
				if following < 0 {
					following = len(src) - next
				} else {
					following++
				}
				if len(bytes.TrimSpace(src[next:next+following])) != 0 {
					off = next
					continue
				}
				body = next + following
			}
			rawEnd := off
			if f.delims {
				rawEnd = next
			}
			sp.raw, sp.body = src[sp.start:rawEnd], body
			return sp, true
		}
		off = next
	}
	return split{}, false
}

// decode fills s.front and s.pos from the front-matter. It reports false
// when the front-matter is malformed.
func (s *parseState) decode(sp split) bool {
	s.pos[""] = s.at(sp.open)
	switch sp.format.lang {
	case "yaml":
		s.decodeYAML(sp.raw, sp.start)
	case "toml":
		s.decodeTOML(sp.raw, sp.start)
	case "json":
		s.decodeJSON(sp.raw, sp.start)
	}
	if s.front == nil {
		s.front = map[string]any{}
	}
	if !s.fatal && !s.textClean {
		s.checkText(s.front, "", 0)
	}
	return !s.fatal
}

// checkText reports the characters a decoder leaves in a value that no
// writer means to publish: NUL ("\0" in YAML, "\u0000" in JSON) and the
// other control characters but tab and line ends ("\e"), and U+FFFD, the
// replacement character, which stands for text lost in a conversion (a
// lone surrogate such as "\ud800" in JSON becomes one).
func (s *parseState) checkText(v any, path string, depth int) {
	if depth == 0 && !badTextIn(v, 0) {
		return // nothing to report, and no keys to sort
	}
	if depth > maxFrontDepth {
		return
	}
	check := func(text, path string, what string) {
		i := strings.IndexFunc(text, func(r rune) bool {
			return r == utf8.RuneError || r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f
		})
		if i < 0 {
			return
		}
		pos, ok := s.pos[path]
		if !ok {
			pos = s.pos[""]
		}
		at := utf8.RuneCountInString(text[:i]) + 1
		switch c := text[i]; {
		case c == 0:
			s.errorf(pos, path, "%s holds a NUL character (\\0) at character %d: remove it", what, at)
			return
		case c < utf8.RuneSelf:
			s.errorf(pos, path, "%s holds a control character (%s) at character %d: remove it", what, Printable(text[i:i+1]), at)
			return
		}
		s.errorf(pos, path, "%s holds U+FFFD at character %d, the mark of text lost in a conversion "+
			"(a lone surrogate such as \\ud800 becomes one): write the character meant", what, utf8.RuneCountInString(text[:i])+1)
	}
	switch v := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(v) {
			p := joinPath(path, k)
			check(k, p, "the key")
			s.checkText(v[k], p, depth+1)
		}
	case []any:
		for i, x := range v {
			s.checkText(x, joinIndex(path, i), depth+1)
		}
	case string:
		check(v, path, "the value")
	}
}

// badTextIn reports whether checkText may find something in v: a key or
// a string holding a byte below 0x20 but tab and line ends, or 0x7f, or
// anything not ASCII (U+FFFD, invalid UTF-8), within maxFrontDepth.
func badTextIn(v any, depth int) bool {
	if depth > maxFrontDepth {
		return false
	}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if badText(k) || badTextIn(x, depth+1) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if badTextIn(x, depth+1) {
				return true
			}
		}
	case string:
		return badText(v)
	}
	return false
}

// badText is badTextIn for one string: ASCII text with no control
// character but tab and line ends is fine.
func badText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c >= 0x7f {
			return true
		}
	}
	return false
}

// --- YAML ---

// yamlParserErrors are the yaml.v3 messages that come from its parser
// rather than its scanner: yaml.v3 numbers their lines from 0, and the
// scanner's from 1.
var yamlParserErrors = []string{
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"did not find expected '-' indicator",
	"did not find expected <document start>",
	"did not find expected <stream-start>",
	"did not find expected key",
	"did not find expected node content",
	"found duplicate %TAG directive",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found undefined tag handle",
}

var (
	yamlLineRE   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	yamlAnchorRE = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// yamlError turns a yaml.v3 error into a line of raw (1-based) and a
// message.
func yamlError(err error, raw []byte) (int, string) {
	msg := err.Error()
	if m := yamlAnchorRE.FindStringSubmatch(msg); m != nil {
		line := 1
		if i := bytes.Index(raw, []byte("*"+m[1])); i >= 0 {
			line += bytes.Count(raw[:i], []byte("\n"))
		}
		return line, fmt.Sprintf("unknown anchor %q referenced", m[1])
	}
	line := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	parser := false
	for _, p := range yamlParserErrors {
		if msg == p {
			parser = true
		}
	}
	if parser || line == 0 {
		line++
	}
	msg = strings.ReplaceAll(msg, " in this context", " here")
	return line, msg
}

func (s *parseState) decodeYAML(raw []byte, base int) {
	if fastYAML && s.fastDecodeYAML(raw, base) {
		return
	}
	baseLine := s.lineOf(base)
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		line, msg := yamlError(err, raw)
		s.failf(Position{Line: baseLine + line - 1}, "malformed YAML: %s", msg)
		return
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return
		}
		root = root.Content[0]
	}
	if root.Kind == 0 || (root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null") {
		return
	}
	y := yamlConv{s: s, baseLine: baseLine}
	if root.Kind != yaml.MappingNode {
		s.failf(y.pos(root), "front-matter must be keys with values (key: value), not %s", yamlKind(root))
		return
	}
	s.front = y.mapping(root, "", 0)
}

func yamlKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	default:
		return "a single value"
	}
}

type yamlConv struct {
	s        *parseState
	baseLine int
	// via is the outermost alias being expanded: findings inside the
	// expansion point at it, where the writer used the alias.
	via *yaml.Node
}

func (y *yamlConv) pos(n *yaml.Node) Position {
	return Position{File: y.s.file, Line: y.baseLine + n.Line - 1, Col: n.Column}
}

func (y *yamlConv) value(n *yaml.Node, path string, depth int) any {
	at := n
	if y.via != nil {
		at = y.via
	}
	if !y.s.budget(y.pos(at), depth) {
		return nil
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil
		}
		if y.via == nil {
			y.via = n
			defer func() { y.via = nil }()
		}
		return y.value(n.Alias, path, depth+1)
	case yaml.MappingNode:
		return y.mapping(n, path, depth)
	case yaml.SequenceNode:
		list := make([]any, len(n.Content))
		for i, c := range n.Content {
			p := joinIndex(path, i)
			if !y.s.record(p, y.pos(c)) {
				break
			}
			list[i] = y.value(c, p, depth+1)
		}
		return list
	case yaml.ScalarNode:
		if n.Style == 0 && hashtagComment.MatchString(n.LineComment) {
			// "text: Out now #launch": YAML reads #launch as a comment.
			y.s.warnf(y.pos(n), path, "%q is a YAML comment, not part of the value: quote the value to keep it (\"...%s\")",
				n.LineComment, n.LineComment)
		}
		return yamlScalar(n)
	}
	return nil
}

// hashtagComment is a YAML line comment that reads like a hashtag a
// writer meant to keep: "#launch", not "# a note".
var hashtagComment = regexp.MustCompile(`^#[\p{L}\p{N}_]`)

func (y *yamlConv) mapping(n *yaml.Node, path string, depth int) map[string]any {
	m := make(map[string]any, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !y.s.key(y.pos(k), path, k.Value) {
			break
		}
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			y.s.errorf(y.pos(k), path, "merge keys (<<) are not supported in front-matter; write the keys out")
			continue
		}
		if k.Kind != yaml.ScalarNode {
			y.s.errorf(y.pos(k), path, "a key must be a name, not %s", yamlKind(k))
			continue
		}
		p := joinPath(path, k.Value)
		if _, dup := m[k.Value]; dup {
			y.s.errorf(y.pos(k), p, "duplicate key %q (first on line %d)", k.Value, y.s.pos[p].Line)
			continue
		}
		if !y.s.record(p, y.pos(k)) {
			break
		}
		if (depth == 1 || isVariantPath(path)) && k.Value == "text" {
			line := y.baseLine + v.Line - 1
			if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				line = y.baseLine + k.Line
			}
			if y.s.textLine == nil {
				y.s.textLine = map[string]int{}
			}
			y.s.textLine[p] = line
		}
		m[k.Value] = y.value(v, p, depth+1)
	}
	return m
}

// yamlZoned are the YAML timestamp forms that carry a zone.
var yamlZoned = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
}

func yamlScalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		switch strings.ToLower(n.Value) {
		case "true", "yes", "on", "y":
			return true
		}
		return false
	case "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return n.Value
		}
		return normaliseNumber(v)
	case "!!timestamp":
		return yamlTimestamp(n.Value)
	}
	return n.Value
}

// yamlTimestamp is the value of a plain YAML timestamp: RFC 3339 when
// it has a zone, as written when it has none.
func yamlTimestamp(v string) string {
	for _, layout := range yamlZoned {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Format(time.RFC3339Nano)
		}
	}
	return v
}

// normaliseNumber makes every integer an int64, whatever the format.
func normaliseNumber(v any) any {
	switch v := v.(type) {
	case int:
		return int64(v)
	case int32:
		return int64(v)
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v)
		}
		return float64(v)
	}
	return v
}

// --- TOML ---

func (s *parseState) decodeTOML(raw []byte, base int) {
	// The scanner runs first: it holds the file to the limits, with
	// positions, before the decoder spends anything on it.
	t := tomlScan{s: s, src: raw, base: base, tables: map[string]int{}}
	t.run()
	if s.fatal {
		return
	}
	var m map[string]any
	if _, err := toml.Decode(string(raw), &m); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			pos := s.at(base + pe.Position.Start)
			if pe.Position.Start == 0 && pe.Position.Line > 1 {
				pos = Position{Line: s.lineOf(base) + pe.Position.Line - 1}
			}
			s.failf(pos, "malformed TOML: %s", strings.TrimSuffix(pe.Message, "."))
			return
		}
		s.failf(s.at(base), "malformed TOML: %v", err)
		return
	}
	v, ok := tomlValue(m, 0)
	if !ok {
		// The scanner and the decoder disagree on the nesting: hold the
		// decoder's reading to the limit all the same.
		s.limit(s.at(base), "front-matter is nested more than %d levels deep", maxFrontDepth)
		return
	}
	s.front = v.(map[string]any)
}

// tomlValue turns BurntSushi/toml's values into the forms the other
// formats give: times as strings, arrays of tables as lists. It reports
// false for values nested deeper than maxFrontDepth.
func tomlValue(v any, depth int) (any, bool) {
	if depth > maxFrontDepth {
		return nil, false
	}
	list := func(n int, at func(int) any) ([]any, bool) {
		l := make([]any, n)
		for i := range l {
			x, ok := tomlValue(at(i), depth+1)
			if !ok {
				return nil, false
			}
			l[i] = x
		}
		return l, true
	}
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			val, ok := tomlValue(x, depth+1)
			if !ok {
				return nil, false
			}
			m[k] = val
		}
		return m, true
	case []map[string]any:
		return list(len(v), func(i int) any { return v[i] })
	case []any:
		return list(len(v), func(i int) any { return v[i] })
	case time.Time:
		switch v.Location().String() {
		case "datetime-local":
			return v.Format("2006-01-02T15:04:05.999999999"), true
		case "date-local":
			return v.Format("2006-01-02"), true
		case "time-local":
			return v.Format("15:04:05.999999999"), true
		}
		return v.Format(time.RFC3339Nano), true
	}
	return normaliseNumber(v), true
}

// tomlScan finds where the keys and list items of a TOML document are:
// BurntSushi/toml's metadata has no positions. It holds the document to
// the front-matter limits, so it runs before the decoder, on any text: it
// is lenient, always makes progress, and does work linear in the text
// (it recurses only as deep as maxFrontDepth).
type tomlScan struct {
	s      *parseState
	src    []byte
	base   int
	i      int
	tables map[string]int // how many [[name]] tables so far
}

func (t *tomlScan) peek(n int) byte {
	if t.i+n < len(t.src) {
		return t.src[t.i+n]
	}
	return 0
}

func (t *tomlScan) pos(off int) Position { return t.s.at(t.base + off) }

// record notes where path is; false stops the scan at a limit.
func (t *tomlScan) record(path string, off int) bool {
	if !t.s.record(path, t.pos(off)) {
		t.i = len(t.src)
		return false
	}
	return true
}

// budget counts a value at depth; false stops the scan at a limit.
func (t *tomlScan) budget(off, depth int) bool {
	if !t.s.budget(t.pos(off), depth) {
		t.i = len(t.src)
		return false
	}
	return true
}

func (t *tomlScan) skipSpace() {
	for t.i < len(t.src) && (t.src[t.i] == ' ' || t.src[t.i] == '\t') {
		t.i++
	}
}

// skipBlank skips spaces, line ends and comments.
func (t *tomlScan) skipBlank() {
	for t.i < len(t.src) {
		switch t.src[t.i] {
		case ' ', '\t', '\n', '\r':
			t.i++
		case '#':
			t.skipLine()
		default:
			return
		}
	}
}

func (t *tomlScan) skipLine() {
	if j := bytes.IndexByte(t.src[t.i:], '\n'); j >= 0 {
		t.i += j + 1
	} else {
		t.i = len(t.src)
	}
}

func (t *tomlScan) run() {
	prefix, depth := "", 0
	for t.i < len(t.src) {
		t.skipBlank()
		if t.i >= len(t.src) {
			return
		}
		before := t.i
		switch {
		case t.peek(0) == '[' && t.peek(1) == '[':
			t.i += 2
			off, parts := t.key()
			name, d, ok := t.recordParts("", 0, parts, off)
			if !ok {
				return
			}
			idx := t.tables[name]
			t.tables[name]++
			prefix, depth = joinIndex(name, idx), d+1
			if !t.budget(off, depth) || !t.record(prefix, off) {
				return
			}
			t.skipLine()
		case t.peek(0) == '[':
			t.i++
			off, parts := t.key()
			var ok bool
			if prefix, depth, ok = t.recordParts("", 0, parts, off); !ok {
				return
			}
			t.skipLine()
		default:
			off, parts := t.key()
			if len(parts) == 0 {
				t.skipLine()
				break
			}
			path, d, ok := t.recordParts(prefix, depth, parts, off)
			if !ok {
				return
			}
			t.skipSpace()
			if t.peek(0) == '=' {
				t.i++
			}
			t.skipSpace()
			t.value(path, d)
		}
		if t.i == before {
			t.i++
		}
	}
}

// recordParts records every dotted prefix of a key below prefix (at
// depth), holding each new key to the key limits, and returns the key's
// full path and depth. It reports false when the scan stopped at a limit.
func (t *tomlScan) recordParts(prefix string, depth int, parts []string, off int) (string, int, bool) {
	path := prefix
	for _, p := range parts {
		parent := path
		path = joinPath(path, p)
		depth++
		if _, seen := t.s.pos[path]; seen {
			continue
		}
		pos := t.pos(off)
		if depth > maxFrontDepth {
			t.s.limit(pos, "front-matter is nested more than %d levels deep", maxFrontDepth)
		}
		if t.s.stopped || !t.s.key(pos, parent, p) || !t.record(path, off) {
			t.i = len(t.src)
			return "", 0, false
		}
	}
	return path, depth, true
}

// key reads a dotted key and returns the offset it starts at.
func (t *tomlScan) key() (int, []string) {
	t.skipSpace()
	start := t.i
	var parts []string
	for t.i < len(t.src) {
		t.skipSpace()
		switch c := t.peek(0); {
		case c == '"' || c == '\'':
			j := t.i + 1
			for j < len(t.src) && t.src[j] != c && t.src[j] != '\n' {
				if c == '"' && t.src[j] == '\\' {
					j++
				}
				j++
			}
			if j > len(t.src) {
				j = len(t.src)
			}
			part := string(t.src[t.i+1 : j])
			if c == '"' {
				if u, err := strconv.Unquote(`"` + part + `"`); err == nil {
					part = u
				}
			}
			parts = append(parts, part)
			t.i = min(j+1, len(t.src))
		case isBareKey(c):
			j := t.i
			for j < len(t.src) && isBareKey(t.src[j]) {
				j++
			}
			parts = append(parts, string(t.src[t.i:j]))
			t.i = j
		default:
			return start, parts
		}
		t.skipSpace()
		if t.peek(0) != '.' {
			return start, parts
		}
		t.i++
	}
	return start, parts
}

func isBareKey(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// value skips the value at t.i, the value of path at depth, recording
// where its items and keys are.
func (t *tomlScan) value(path string, depth int) {
	if !t.budget(t.i, depth) {
		return
	}
	if (depth == 2 || isVariantPath(path)) && strings.HasSuffix(path, ".text") {
		if t.s.textLine == nil {
			t.s.textLine = map[string]int{}
		}
		line := t.s.lineOf(t.base + t.i)
		if (bytes.HasPrefix(t.src[t.i:], []byte(`"""`)) || bytes.HasPrefix(t.src[t.i:], []byte(`'''`))) && t.peek(3) == '\n' {
			line++
		}
		t.s.textLine[path] = line
	}
	switch c := t.peek(0); {
	case bytes.HasPrefix(t.src[t.i:], []byte(`"""`)) || bytes.HasPrefix(t.src[t.i:], []byte(`'''`)):
		delim := t.src[t.i : t.i+3]
		if j := bytes.Index(t.src[t.i+3:], delim); j >= 0 {
			t.i += 3 + j + 3
			for t.i < len(t.src) && t.src[t.i] == delim[0] {
				t.i++ // """" closes with an extra quote inside
			}
		} else {
			t.i = len(t.src)
		}
	case c == '"' || c == '\'':
		j := t.i + 1
		for j < len(t.src) && t.src[j] != c && t.src[j] != '\n' {
			if c == '"' && t.src[j] == '\\' {
				j++
			}
			j++
		}
		t.i = min(j+1, len(t.src))
	case c == '[':
		t.i++
		for idx := 0; t.i < len(t.src); {
			t.skipBlank()
			if t.i >= len(t.src) {
				return
			}
			switch t.peek(0) {
			case ']':
				t.i++
				return
			case ',':
				t.i++
				continue
			}
			p := joinIndex(path, idx)
			if !t.record(p, t.i) {
				return
			}
			before := t.i
			t.value(p, depth+1)
			if t.i == before {
				t.i++
			}
			idx++
		}
	case c == '{':
		t.i++
		for t.i < len(t.src) {
			t.skipSpace()
			switch t.peek(0) {
			case '}':
				t.i++
				return
			case ',':
				t.i++
				continue
			case '\n', 0:
				return
			}
			off, parts := t.key()
			if len(parts) == 0 {
				t.i++
				continue
			}
			p, d, ok := t.recordParts(path, depth, parts, off)
			if !ok {
				return
			}
			t.skipSpace()
			if t.peek(0) == '=' {
				t.i++
			}
			t.skipSpace()
			before := t.i
			t.value(p, d)
			if t.i == before {
				t.i++
			}
		}
	default:
		for t.i < len(t.src) && !strings.ContainsRune(",]}\n#", rune(t.src[t.i])) {
			t.i++
		}
	}
}

// --- JSON ---

func (s *parseState) decodeJSON(raw []byte, base int) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	j := jsonConv{s: s, dec: dec, raw: raw, base: base}
	start := j.next()
	tok, err := dec.Token()
	if err != nil {
		j.fail(err)
		return
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		s.failf(s.at(base+start), "front-matter must be a JSON object ({...})")
		return
	}
	m, err := j.object("", 0)
	if err != nil {
		j.fail(err)
		return
	}
	end := j.next()
	if _, err := dec.Token(); err != io.EOF {
		s.failf(s.at(base+end), "malformed JSON: unexpected text after the front-matter object")
		return
	}
	s.front = m
}

type jsonConv struct {
	s    *parseState
	dec  *json.Decoder
	raw  []byte
	base int
}

// next returns the offset in raw at which the next token starts.
func (j *jsonConv) next() int {
	off := int(j.dec.InputOffset())
	for off < len(j.raw) && strings.IndexByte(" \t\r\n,:", j.raw[off]) >= 0 {
		off++
	}
	return off
}

func (j *jsonConv) fail(err error) {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// The Decoder's offsets are loose; Unmarshal's point just past
		// the offending character.
		var v any
		if uerr := json.Unmarshal(j.raw, &v); errors.As(uerr, &se) {
			err = se
		}
	}
	switch {
	case errors.As(err, &se):
		off := max(int(se.Offset)-1, 0)
		j.s.failf(j.s.at(j.base+off), "malformed JSON: %s", se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		j.s.failf(j.s.at(j.base+len(j.raw)), "malformed JSON: unexpected end of the front-matter")
	case errors.Is(err, errBudget):
	default:
		j.s.failf(j.s.at(j.base+j.next()), "malformed JSON: %v", err)
	}
}

var errBudget = errors.New("front-matter too large")

func (j *jsonConv) object(path string, depth int) (map[string]any, error) {
	m := map[string]any{}
	for j.dec.More() {
		off := j.next()
		tok, err := j.dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("expected a key, found %v", tok)
		}
		p := joinPath(path, key)
		pos := j.s.at(j.base + off)
		if !j.s.key(pos, path, key) {
			return nil, errBudget
		}
		dup := false
		if _, dup = m[key]; dup {
			j.s.errorf(pos, p, "duplicate key %q (first on line %d)", key, j.s.pos[p].Line)
		}
		if !j.s.record(p, pos) {
			return nil, errBudget
		}
		valOff := j.next()
		if (depth == 1 || isVariantPath(path)) && key == "text" && !dup {
			if j.s.textLine == nil {
				j.s.textLine = map[string]int{}
			}
			j.s.textLine[p] = j.s.lineOf(j.base + valOff)
		}
		v, err := j.value(p, depth+1)
		if err != nil {
			return nil, err
		}
		if !dup {
			m[key] = v
		}
	}
	if _, err := j.dec.Token(); err != nil { // the closing }
		return nil, err
	}
	return m, nil
}

func (j *jsonConv) value(path string, depth int) (any, error) {
	if !j.s.budget(j.s.at(j.base+j.next()), depth) {
		return nil, errBudget
	}
	tok, err := j.dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return j.object(path, depth)
		}
		list := []any{}
		for i := 0; j.dec.More(); i++ {
			p := joinIndex(path, i)
			if !j.s.record(p, j.s.at(j.base+j.next())) {
				return nil, errBudget
			}
			v, err := j.value(p, depth+1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		if _, err := j.dec.Token(); err != nil { // the closing ]
			return nil, err
		}
		return list, nil
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i, nil
		}
		f, err := t.Float64()
		if err != nil {
			return t.String(), nil
		}
		return f, nil
	}
	return tok, nil
}
