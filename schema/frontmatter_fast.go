package schema

import (
	"bytes"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// fastYAML is on unless a test compares the two paths.
var fastYAML = true

// Limits of the front-matter the fast path reads: far below the
// front-matter limits (maxFrontKeys, maxFrontKeyBytes, maxFrontDepth,
// maxFrontPathBytes), so that a limit is only ever reported by yaml.v3's
// path. The one limit the fast path could reach, maxFrontNodes (256
// lines of 64-item lists), sends the file to yaml.v3.
const (
	fastMaxLines   = 256
	fastMaxKeyLen  = 64
	fastMaxItems   = 64
	fastMaxLineLen = 16 << 10
)

// fastDecodeYAML decodes raw, the YAML front-matter at offset base of
// s.src, straight into s.front, s.pos and s.textLine, when it is the
// plain YAML most front-matter is: keys at the margin, each with a plain
// or double-quoted scalar on one line, a one-line flow list of plain
// words, or, under a key alone on its line, an indented mapping of such
// values or a list of scalars or of such mappings. It fills what
// decodeYAML fills from yaml.v3's nodes for raw (the same values, field
// positions and text lines), without yaml.v3's scanner, parser and
// composer and without the nodes. For anything else (comments, blank
// lines, anchors, other quoting, block scalars, numbers and other plain
// words that may not be strings, ...) it reports false and leaves s as
// it was, and yaml.v3 reads raw. TestFastYAMLMatches holds the two to
// the same posts, findings and positions. Each value is a string of its
// own, as yaml.v3's are: a title kept in a summary must not keep the
// whole file alive.
func (s *parseState) fastDecodeYAML(raw []byte, base int) bool {
	if len(raw) == 0 || raw[len(raw)-1] != '\n' || !fastText(raw) {
		return false
	}
	n := bytes.Count(raw, []byte{'\n'})
	if n > fastMaxLines {
		return false
	}
	// raw is whole lines of s.src: the line base starts, and the n-1
	// after it; the closing delimiter's line follows.
	first := s.lineOf(base) - 1
	// A position per line and per item of a flow list, at most: the map
	// is made once at its size.
	root := s.pos[""]
	s.pos = make(map[string]Position, n+bytes.Count(raw, []byte{','})+1)
	s.pos[""] = root
	d := fastDecoder{s: s, i: first, end: first + n}
	m, ok := d.mapping(0, "", 0)
	if !ok || d.i != d.end || d.nodes > maxFrontNodes {
		clear(s.pos)
		s.pos[""] = root
		s.textLine = nil
		return false
	}
	s.front = m
	// Every key and value is bytes of raw, which fastText holds to no
	// control character but line ends, or escapes making a line end or
	// a tab: the one thing checkText could still find is U+FFFD.
	s.textClean = !bytes.Contains(raw, []byte("\uFFFD"))
	return true
}

// fastText reports whether raw holds only characters that are nothing but
// themselves to YAML: no tab, no control character, no line break but LF
// (YAML also breaks lines at U+0085, U+2028 and U+2029), no byte order
// mark and nothing YAML refuses to read.
func fastText(raw []byte) bool {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(raw[i:])
		switch {
		case r == utf8.RuneError && size <= 1, r <= 0x9f, r == 0x2028, r == 0x2029, r == 0xfeff, r >= 0xfffe && r <= 0xffff:
			return false
		}
		i += size
	}
	return true
}

// fastDecoder reads the lines i to end (indexes in s.lines) of s.src.
type fastDecoder struct {
	s      *parseState
	i, end int // the next line, and the line after the last
	// nodes counts the values decoded, as parseState.budget does.
	nodes int
}

// line returns line i without its line end.
func (d *fastDecoder) line(i int) []byte {
	return d.s.src[d.s.lines[i] : d.s.lines[i+1]-1]
}

// indent returns the indentation of line i, or -1 past the end.
func (d *fastDecoder) indent(i int) int {
	if i >= d.end {
		return -1
	}
	l := d.line(i)
	n := 0
	for n < len(l) && l[n] == ' ' {
		n++
	}
	return n
}

// record notes where the field path is: line i (an index in s.lines),
// column col (0-based; every column the fast path reads follows ASCII
// only, so bytes are characters).
func (d *fastDecoder) record(path string, i, col int) {
	d.s.pos[path] = Position{File: d.s.file, Line: i + 1, Col: col + 1}
}

// textLine notes the line an override's or variant's text starts on, as
// yamlConv.mapping does; i is an index in s.lines.
func (d *fastDecoder) textLine(path string, i int) {
	if d.s.textLine == nil {
		d.s.textLine = map[string]int{}
	}
	d.s.textLine[path] = i + 1
}

// mapping reads the keys at indentation ind from line d.i on: the map at
// path, which yamlConv.mapping would read at depth.
func (d *fastDecoder) mapping(ind int, path string, depth int) (map[string]any, bool) {
	var m map[string]any
	for d.indent(d.i) == ind {
		i := d.i
		line := d.line(i)
		k, vcol, ok := fastKey(line, ind)
		if !ok {
			return nil, false
		}
		if _, dup := m[k]; dup {
			return nil, false
		}
		if m == nil {
			m = make(map[string]any, 8)
		}
		p := joinPath(path, k)
		d.record(p, i, ind)
		text := (depth == 1 || isVariantPath(path)) && k == "text"
		d.i++
		var v any
		if vcol < 0 {
			// "key:" alone: an indented mapping or list follows, on the
			// next line.
			if text {
				d.textLine(p, i+1)
			}
			v, ok = d.block(ind, p, depth+1)
		} else {
			if text {
				d.textLine(p, i)
			}
			v, ok = d.inline(line, vcol, i, p)
		}
		if !ok {
			return nil, false
		}
		m[k] = v
	}
	return m, m != nil
}

// block reads the mapping or list indented under a key at ind, the value
// at path, which yamlConv.value would read at depth.
func (d *fastDecoder) block(ind int, path string, depth int) (any, bool) {
	in := d.indent(d.i)
	if in <= ind {
		return nil, false // an empty value, or a list at the key's margin
	}
	d.nodes++
	if bytes.HasPrefix(d.line(d.i)[in:], []byte("- ")) {
		return d.list(in, path, depth)
	}
	if ind > 0 {
		return nil, false // two levels are all the fast path reads
	}
	return d.mapping(in, path, depth)
}

// list reads the "- " items at indentation ind: scalars, or mappings of
// scalars whose further keys line up under the first. The list is the
// value at path, which yamlConv.value would read at depth.
func (d *fastDecoder) list(ind int, path string, depth int) (any, bool) {
	var items []any
	for d.indent(d.i) == ind && bytes.HasPrefix(d.line(d.i)[ind:], []byte("- ")) && len(items) < fastMaxItems {
		i := d.i
		line := d.line(i)
		col := ind + 2
		p := indexPath(path, len(items))
		d.nodes++
		if bytes.IndexByte(line[col:], ':') < 0 {
			v, ok := scalarAt(line, col)
			if !ok {
				return nil, false
			}
			d.record(p, i, col)
			items = append(items, v)
			d.i++
			continue
		}
		d.record(p, i, col)
		m := make(map[string]any, 4)
		for first := true; ; first = false {
			if !first && d.indent(d.i) != col {
				break
			}
			i := d.i
			line := d.line(i)
			k, vcol, ok := fastKey(line, col)
			if !ok || vcol < 0 {
				return nil, false
			}
			if _, dup := m[k]; dup {
				return nil, false
			}
			kp := joinPath(p, k)
			d.record(kp, i, col)
			if (depth+1 == 1 || isVariantPath(p)) && k == "text" {
				d.textLine(kp, i)
			}
			v, ok := d.inline(line, vcol, i, kp)
			if !ok {
				return nil, false
			}
			m[k] = v
			d.i++
		}
		items = append(items, m)
	}
	if d.indent(d.i) == ind && bytes.HasPrefix(d.line(d.i)[ind:], []byte("-")) {
		return nil, false
	}
	return items, true
}

// inline reads the value that starts at column vcol of line, line i: a
// flow list or a scalar, the value at path.
func (d *fastDecoder) inline(line []byte, vcol, i int, path string) (any, bool) {
	d.nodes++
	if line[vcol] == '[' {
		return d.flowList(line, vcol, i, path)
	}
	return scalarAt(line, vcol)
}

// fastKey reads "key: value" or "key:" at column col (0-based) of line.
// It returns the key and the column its value starts at, -1 for a key
// alone; ok is false when the line is not one the fast path reads.
func fastKey(line []byte, col int) (key string, vcol int, ok bool) {
	if len(line) > fastMaxLineLen || col > len(line) {
		return "", 0, false
	}
	rest := line[col:]
	n := 0
	for n < len(rest) && (n < fastMaxKeyLen) && isFastKeyByte(rest[n], n == 0) {
		n++
	}
	if n == 0 || n == len(rest) || rest[n] != ':' || isSpecialPlain(string(rest[:n])) {
		return "", 0, false
	}
	after := rest[n+1:]
	if len(after) == 0 {
		return internKey(rest[:n]), -1, true
	}
	if after[0] != ' ' {
		return "", 0, false
	}
	vcol = col + n + 1
	for vcol < len(line) && line[vcol] == ' ' {
		vcol++
	}
	if vcol == len(line) {
		return "", 0, false // "key: " with nothing after: leave it to yaml.v3
	}
	return internKey(rest[:n]), vcol, true
}

// indexPaths are the paths of the first items of the lists most posts
// have, made once.
var indexPaths = func() map[string][]string {
	m := map[string][]string{}
	for _, list := range []string{"to", "tags", "media"} {
		for i := range 8 {
			m[list] = append(m[list], joinIndex(list, i))
		}
	}
	return m
}()

// indexPath is joinIndex(path, i), without making a string for the paths
// most posts have.
func indexPath(path string, i int) string {
	if paths, ok := indexPaths[path]; ok && i < len(paths) {
		return paths[i]
	}
	return joinIndex(path, i)
}

// internKey returns the key k as a string, the same string for each of
// the keys most posts use.
func internKey(k []byte) string {
	switch string(k) {
	case "id":
		return "id"
	case "title":
		return "title"
	case "publish_at":
		return "publish_at"
	case "to":
		return "to"
	case "tags":
		return "tags"
	case "campaign":
		return "campaign"
	case "media":
		return "media"
	case "file":
		return "file"
	case "alt":
		return "alt"
	case "thread":
		return "thread"
	case "text":
		return "text"
	case "draft":
		return "draft"
	case "queue":
		return "queue"
	case "utm":
		return "utm"
	}
	return string(k)
}

func isFastKeyByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		return true
	case c >= '0' && c <= '9', c == '-':
		return !first
	}
	return false
}

// isSpecialPlain reports whether YAML may read a plain word as something
// else than a string (null, a bool, a number, a merge key): the fast path
// leaves such words to yaml.v3.
func isSpecialPlain(s string) bool {
	switch s {
	case "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "y", "Y", "n", "N":
		return true
	}
	return false
}

// scalarAt reads the value that starts at line[col:] and ends the line:
// a double-quoted string with simple escapes, or a plain scalar that is
// a string or a timestamp (words, paths, URLs without a " #" or ": "),
// as yamlScalar gives it.
func scalarAt(line []byte, col int) (any, bool) {
	s := line[col:]
	if len(s) == 0 {
		return nil, false
	}
	if s[0] == '"' {
		return doubleQuoted(s)
	}
	s = bytes.TrimRight(s, " ")
	if !plainWord(s, false) {
		return nil, false
	}
	if canonicalTime(s) {
		return string(s), true
	}
	switch plainTag(s) {
	case "!!str":
		return string(s), true
	case "!!timestamp":
		return yamlTimestamp(string(s)), true
	}
	return nil, false
}

// canonicalTime reports whether s is a time written as yamlTimestamp
// writes it, 2026-12-01T09:00:00-05:00 or 2026-12-01T14:00:00Z (two
// digits to each field, no fraction, an offset other than +00:00 or
// -00:00): yaml.v3 reads it as a timestamp and yamlTimestamp gives it
// back as it is, or, if it is no time (a 30 February, an hour 24),
// yaml.v3 reads it as the same string. Either way the value is s.
func canonicalTime(s []byte) bool {
	const form = "dddd-dd-ddTdd:dd:dd"
	if len(s) != len(form)+1 && len(s) != len(form)+6 {
		return false
	}
	for i := 0; i < len(form); i++ {
		if form[i] == 'd' {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		} else if s[i] != form[i] {
			return false
		}
	}
	zone := s[len(form):]
	if len(zone) == 1 {
		return zone[0] == 'Z'
	}
	if zone[0] != '+' && zone[0] != '-' || zone[3] != ':' || string(zone[1:]) == "00:00" {
		return false
	}
	for _, i := range []int{1, 2, 4, 5} {
		if zone[i] < '0' || zone[i] > '9' {
			return false
		}
	}
	return true
}

// plainTag is the tag yaml.v3 resolves a plain word the fast path reads
// to (plainWord is true of s). A word that starts with a letter and is
// not one of isSpecialPlain's, or with '/', is a string; for the others
// (digits, '.') yaml.v3 says.
func plainTag(s []byte) string {
	if c := s[0]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' {
		return "!!str"
	}
	n := yaml.Node{Kind: yaml.ScalarNode, Value: string(s)}
	return n.ShortTag()
}

// plainWord reports whether s is a plain scalar the fast path reads: it
// starts with a letter, a digit, '.' or '/' (a relative path), holds only letters, digits, spaces and
// a few marks that mean nothing inside a plain scalar, and no ": ", and
// does not end with ':'. In a flow list, no space either.
func plainWord(s []byte, flow bool) bool {
	if len(s) == 0 || isSpecialPlain(string(s)) {
		return false
	}
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '/') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '.', c == '/', c == '-', c == '_', c == '+', c == '(', c == ')', c == '=', c == '?', c == ';', c == '~', c == '$', c == '^':
		case c == ' ' && !flow:
			if i+1 < len(s) && s[i+1] == ' ' {
				return false // runs of spaces: keep the rules simple
			}
		case c == ':' && !flow:
			if i+1 == len(s) || s[i+1] == ' ' {
				return false
			}
		default:
			return false
		}
	}
	return s[len(s)-1] != ' '
}

// doubleQuoted reads a double-quoted scalar that is all of s but trailing
// spaces, with the escapes \" \\ \/ \n and \t only.
func doubleQuoted(s []byte) (any, bool) {
	var b []byte // the value, once an escape is met
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			if len(bytes.TrimRight(s[i+1:], " ")) != 0 {
				return nil, false
			}
			if b == nil {
				return string(s[1:i]), true
			}
			return string(b), true
		case '\\':
			if i+1 == len(s) {
				return nil, false
			}
			if b == nil {
				b = make([]byte, 0, len(s))
				b = append(b, s[1:i]...)
			}
			i++
			switch s[i] {
			case '"', '\\', '/':
				b = append(b, s[i])
			case 'n':
				b = append(b, '\n')
			case 't':
				b = append(b, '\t')
			default:
				return nil, false
			}
		default:
			if b != nil {
				b = append(b, c)
			}
		}
	}
	return nil, false // no closing quote on the line
}

// flowList reads "[a, b, c]", the rest of line i from column col, of
// plain words: the list at path.
func (d *fastDecoder) flowList(line []byte, col, i int, path string) (any, bool) {
	items := make([]any, 0, min(bytes.Count(line[col:], []byte{','})+1, fastMaxItems))
	j := col + 1
	for {
		for j < len(line) && line[j] == ' ' {
			j++
		}
		start := j
		for j < len(line) && line[j] != ',' && line[j] != ']' && line[j] != ' ' {
			j++
		}
		word := line[start:j]
		if !plainWord(word, true) || len(items) == fastMaxItems || plainTag(word) != "!!str" {
			return nil, false
		}
		d.nodes++
		d.record(indexPath(path, len(items)), i, start)
		items = append(items, string(word))
		for j < len(line) && line[j] == ' ' {
			j++
		}
		if j == len(line) {
			return nil, false
		}
		if line[j] == ']' {
			if len(bytes.TrimRight(line[j+1:], " ")) != 0 {
				return nil, false
			}
			return items, true
		}
		if line[j] != ',' {
			return nil, false // "[a b]" is one item with a space: left to yaml.v3
		}
		j++
	}
}
