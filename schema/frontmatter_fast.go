package schema

import (
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// fastYAML is on unless a test compares the two paths.
var fastYAML = true

// Limits of the front-matter the fast path reads: far below the
// front-matter limits (maxFrontNodes, maxFrontKeys, maxFrontKeyBytes),
// so that a limit is only ever reported by yaml.v3's path.
const (
	fastMaxLines   = 256
	fastMaxKeyLen  = 64
	fastMaxItems   = 64
	fastMaxLineLen = 16 << 10
)

// parseFastYAML reads raw as the plain YAML most front-matter is, without
// yaml.v3's scanner, parser and composer: keys at the margin, each with a
// plain or double-quoted scalar on one line, a one-line flow list of
// plain words, or, under a key alone on its line, an indented mapping of
// such values or a list of scalars or of such mappings. It returns the
// document node yaml.v3 gives for raw (the fields yamlConv reads: kinds,
// values, styles, tags, lines and columns), or nil for anything else
// (comments, blank lines, anchors, other quoting, block scalars, numbers
// and other plain words that may not be strings, ...), which yaml.v3
// reads then. TestFastYAMLMatches holds the two to the same posts,
// findings and positions. Each value is a string of its own, as
// yaml.v3's are: a title kept in a summary must not keep the whole
// front-matter alive.
func parseFastYAML(raw []byte) *yaml.Node {
	if len(raw) == 0 || raw[len(raw)-1] != '\n' || !fastText(raw) {
		return nil
	}
	lines := strings.Split(string(raw[:len(raw)-1]), "\n")
	if len(lines) > fastMaxLines {
		return nil
	}
	p := fastParser{lines: lines}
	root := p.mapping(0)
	if root == nil || p.i != len(lines) {
		return nil
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Line: root.Line, Column: root.Column, Content: []*yaml.Node{root}}
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

type fastParser struct {
	lines []string
	i     int // the next line
}

// indent returns the indentation of line i, or -1 past the end.
func (p *fastParser) indent(i int) int {
	if i >= len(p.lines) {
		return -1
	}
	l := p.lines[i]
	n := 0
	for n < len(l) && l[n] == ' ' {
		n++
	}
	return n
}

// mapping reads the keys at indentation ind from line p.i on.
func (p *fastParser) mapping(ind int) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	seen := map[string]bool{}
	for p.indent(p.i) == ind {
		line := p.lines[p.i]
		k, v := p.entry(line, ind, p.i+1)
		if k == nil || seen[k.Value] {
			return nil
		}
		seen[k.Value] = true
		if len(m.Content) == 0 {
			m.Line, m.Column = k.Line, k.Column
		}
		p.i++
		if v == nil {
			// "key:" alone: an indented mapping or list follows.
			if v = p.block(ind); v == nil {
				return nil
			}
		}
		m.Content = append(m.Content, k, v)
	}
	if len(m.Content) == 0 {
		return nil
	}
	return m
}

// block reads the mapping or list indented under a key at ind.
func (p *fastParser) block(ind int) *yaml.Node {
	in := p.indent(p.i)
	if in <= ind {
		return nil // an empty value, or a list at the key's margin
	}
	if rest := p.lines[p.i][in:]; strings.HasPrefix(rest, "- ") {
		return p.list(in)
	}
	if ind > 0 {
		return nil // two levels are all the fast path reads
	}
	return p.mapping(in)
}

// list reads the "- " items at indentation ind: scalars, or mappings of
// scalars whose further keys line up under the first.
func (p *fastParser) list(ind int) *yaml.Node {
	s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: p.i + 1, Column: ind + 1}
	for p.indent(p.i) == ind && strings.HasPrefix(p.lines[p.i][ind:], "- ") && len(s.Content) < fastMaxItems {
		line := p.lines[p.i]
		col := ind + 2
		if strings.IndexByte(line[col:], ':') < 0 {
			item := scalarAt(line, col, p.i+1)
			if item == nil {
				return nil
			}
			s.Content = append(s.Content, item)
			p.i++
			continue
		}
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		seen := map[string]bool{}
		for first := true; ; first = false {
			if !first && p.indent(p.i) != col {
				break
			}
			k, v := p.entry(p.lines[p.i], col, p.i+1)
			if k == nil || v == nil || seen[k.Value] {
				return nil
			}
			seen[k.Value] = true
			if first {
				m.Line, m.Column = k.Line, k.Column
			}
			m.Content = append(m.Content, k, v)
			p.i++
		}
		s.Content = append(s.Content, m)
	}
	if p.indent(p.i) == ind && strings.HasPrefix(p.lines[p.i][ind:], "-") {
		return nil
	}
	return s
}

// entry reads "key: value" or "key:" at column col (0-based) of line,
// the lineNo'th; v is nil for a key alone, k nil when the line is not
// one the fast path reads.
func (p *fastParser) entry(line string, col, lineNo int) (k, v *yaml.Node) {
	if len(line) > fastMaxLineLen {
		return nil, nil
	}
	rest := line[col:]
	n := 0
	for n < len(rest) && (n < fastMaxKeyLen) && isFastKeyByte(rest[n], n == 0) {
		n++
	}
	if n == 0 || n == len(rest) || rest[n] != ':' {
		return nil, nil
	}
	k = &yaml.Node{Kind: yaml.ScalarNode, Value: strings.Clone(rest[:n]), Line: lineNo, Column: col + 1}
	if isSpecialPlain(k.Value) {
		return nil, nil
	}
	after := rest[n+1:]
	if after == "" {
		return k, nil
	}
	if after[0] != ' ' {
		return nil, nil
	}
	vcol := col + n + 1
	for vcol < len(line) && line[vcol] == ' ' {
		vcol++
	}
	if vcol == len(line) {
		return nil, nil // "key: " with nothing after: leave it to yaml.v3
	}
	if line[vcol] == '[' {
		v = flowList(line, vcol, lineNo)
	} else {
		v = scalarAt(line, vcol, lineNo)
	}
	if v == nil {
		return nil, nil
	}
	return k, v
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
// a string or a timestamp (words, paths, URLs without a " #" or ": ").
func scalarAt(line string, col, lineNo int) *yaml.Node {
	s := line[col:]
	if s == "" {
		return nil
	}
	if s[0] == '"' {
		v, ok := doubleQuoted(s)
		if !ok {
			return nil
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Tag: "!!str", Value: v, Line: lineNo, Column: col + 1}
	}
	s = strings.TrimRight(s, " ")
	if !plainWord(s, false) {
		return nil
	}
	// An untagged plain node: ShortTag resolves it as yaml.v3 does.
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: strings.Clone(s), Line: lineNo, Column: col + 1}
	if tag := n.ShortTag(); tag != "!!str" && tag != "!!timestamp" {
		return nil
	}
	return n
}

// plainWord reports whether s is a plain scalar the fast path reads: it
// starts with a letter, a digit, '.' or '/' (a relative path), holds only letters, digits, spaces and
// a few marks that mean nothing inside a plain scalar, and no ": ", and
// does not end with ':'. In a flow list, no space either.
func plainWord(s string, flow bool) bool {
	if s == "" || isSpecialPlain(s) {
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
func doubleQuoted(s string) (string, bool) {
	var b strings.Builder
	plain := true
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			if strings.TrimRight(s[i+1:], " ") != "" {
				return "", false
			}
			if plain {
				return strings.Clone(s[1:i]), true
			}
			return b.String(), true
		case '\\':
			if i+1 == len(s) {
				return "", false
			}
			if plain {
				plain = false
				b.Grow(len(s))
				b.WriteString(s[1:i])
			}
			i++
			switch s[i] {
			case '"', '\\', '/':
				b.WriteByte(s[i])
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				return "", false
			}
		default:
			if !plain {
				b.WriteByte(c)
			}
		}
	}
	return "", false // no closing quote on the line
}

// flowList reads "[a, b, c]", the rest of the line, of plain words.
func flowList(line string, col, lineNo int) *yaml.Node {
	s := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Tag: "!!seq", Line: lineNo, Column: col + 1}
	i := col + 1
	for {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		start := i
		for i < len(line) && line[i] != ',' && line[i] != ']' && line[i] != ' ' {
			i++
		}
		word := line[start:i]
		if !plainWord(word, true) || len(s.Content) == fastMaxItems {
			return nil
		}
		n := &yaml.Node{Kind: yaml.ScalarNode, Value: strings.Clone(word), Line: lineNo, Column: start + 1}
		if n.ShortTag() != "!!str" {
			return nil
		}
		s.Content = append(s.Content, n)
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i == len(line) {
			return nil
		}
		if line[i] == ']' {
			if strings.TrimRight(line[i+1:], " ") != "" {
				return nil
			}
			return s
		}
		if line[i] != ',' {
			return nil // "[a b]" is one item with a space: left to yaml.v3
		}
		i++
	}
}
