package schema

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
)

// errContext is what translate needs to know around one CUE error.
type errContext struct {
	path     string    // dotted field path of the error
	siblings *errSet   // every error of the same evaluation
	actual   cue.Value // the value the writer wrote at path, if any
	schema   cue.Value // the schema the value was unified with
}

// errSet is every error of one evaluation, indexed by path, so that
// explaining each error costs the same however many there are: a hostile
// post may hold thousands of unknown keys.
type errSet struct {
	errs   []cueerrors.Error
	paths  []string         // the dotted path of errs[i]
	byPath map[string][]int // indexes into errs, by path
	// deeper holds every path that has an error below it.
	deeper map[string]bool
	// allowed memoises allowedFields by schema path.
	allowed map[string][]string
}

func newErrSet(errs []cueerrors.Error) *errSet {
	s := &errSet{errs: errs, paths: make([]string, len(errs)),
		byPath: map[string][]int{}, deeper: map[string]bool{}, allowed: map[string][]string{}}
	for i, e := range errs {
		p := cuePath(e.Path())
		s.paths[i] = p
		s.byPath[p] = append(s.byPath[p], i)
		for j := len(p) - 1; j > 0; j-- {
			if p[j] != '.' {
				continue
			}
			if s.deeper[p[:j]] {
				break // and every shorter prefix, added with it
			}
			s.deeper[p[:j]] = true
		}
	}
	return s
}

// at returns the errors whose path is path.
func (s *errSet) at(path string) []cueerrors.Error {
	idx := s.byPath[path]
	out := make([]cueerrors.Error, len(idx))
	for i, j := range idx {
		out[i] = s.errs[j]
	}
	return out
}

// CUE's error formats that translate rewrites. They are the message
// formats of cuelang.org/go/internal/core/adt, stable across releases.
const (
	fmtNotAllowed   = "field not allowed"
	fmtRequired     = "field is required but not present"
	fmtIncomplete   = "incomplete value %v"
	fmtDisjunction  = "%d errors in empty disjunction:"
	fmtConflict     = "conflicting values %s and %s"
	fmtMismatch     = "conflicting values %s and %s (mismatched types %s and %s)"
	fmtOutOfBound   = "invalid value %v (out of bound %s)"
	fmtListLengths  = "incompatible list lengths (%d and %d)"
	fmtNotSatisfied = "invalid value %v (does not satisfy %s)"
)

// translate rewrites a CUE error as a sentence a writer understands. It
// returns "" for an error that another one explains better: a disjunction's
// alternatives, or an error on a parent of a field that has its own.
func translate(e cueerrors.Error, c errContext) string {
	format, args := e.Msg()
	if c.path != "" && c.siblings.deeper[c.path] {
		return ""
	}
	switch format {
	case fmtNotAllowed:
		return unknownField(c)
	case fmtRequired:
		return "is required"
	case fmtIncomplete:
		if i := lastIndex(c.path); i >= 0 {
			return fmt.Sprintf("needs at least %d %s", i+1, plural(i+1, "item"))
		}
		return "is required"
	case fmtConflict, fmtMismatch:
		if inDisjunction(c.siblings, c.path) {
			return "" // explained by the disjunction's own error
		}
		if format == fmtMismatch && len(args) == 4 {
			want, got := fmt.Sprint(args[2]), fmt.Sprint(args[3])
			if c.actual.Exists() && c.actual.Kind().String() == want {
				want, got = got, want
			}
			return fmt.Sprintf("must be %s, not %s", article(want), article(got))
		}
		if len(args) == 2 {
			a, b := fmt.Sprint(args[0]), fmt.Sprint(args[1])
			if actual := concreteString(c.actual); actual == a {
				a, b = b, a
			}
			return fmt.Sprintf("must be %s, not %s", a, b)
		}
	case fmtDisjunction:
		return disjunction(c)
	case fmtOutOfBound:
		if inDisjunction(c.siblings, c.path) {
			return ""
		}
		if hint, ok := patternHints[c.path]; ok {
			return fmt.Sprintf("%v is not valid: use %s", args[0], hint)
		}
		if len(args) == 2 {
			return fmt.Sprintf("%v %s", args[0], boundPhrase(fmt.Sprint(args[1])))
		}
	case fmtListLengths:
		if len(args) == 2 {
			a, _ := args[0].(int)
			b, _ := args[1].(int)
			if n := listLen(c.actual); n >= 0 {
				if n == a {
					a = b // the other length is the one the schema wants
				}
				if n < a {
					return fmt.Sprintf("needs at least %d %s, has %d", a, plural(a, "item"), n)
				}
				return fmt.Sprintf("takes at most %d %s, has %d", a, plural(a, "item"), n)
			}
			return fmt.Sprintf("needs %d %s", max(a, b), plural(max(a, b), "item"))
		}
	case fmtNotSatisfied:
		if len(args) == 2 {
			return fmt.Sprintf("%v does not satisfy %v", args[0], args[1])
		}
	}
	return fmt.Sprintf(format, args...)
}

// patternHints say in words what a field's pattern wants.
var patternHints = map[string]string{
	"id":           "letters, digits, '.', '_' and '-', in segments separated by '/' (launch/v2)",
	"publish_at":   "an RFC 3339 time (2026-12-01T09:00:00-05:00), a date and time in the configured timezone (2026-12-01 09:00), or next",
	"max_lateness": "a duration such as 24h or 90m",
}

func inDisjunction(errs *errSet, path string) bool {
	for _, e := range errs.at(path) {
		if f, _ := e.Msg(); f == fmtDisjunction {
			return true
		}
	}
	return false
}

// disjunction explains an empty disjunction from its alternatives: the
// values and kinds the field could have had.
func disjunction(c errContext) string {
	actual := concreteString(c.actual)
	var values, kinds []string
	seen := map[string]bool{}
	for _, e := range c.siblings.at(c.path) {
		f, args := e.Msg()
		switch {
		case f == fmtConflict && len(args) == 2:
			for _, a := range args {
				if s := fmt.Sprint(a); s != actual && !seen[s] {
					seen[s] = true
					values = append(values, s)
				}
			}
		case f == fmtMismatch && len(args) == 4:
			want := fmt.Sprint(args[2])
			if c.actual.Exists() && c.actual.Kind().String() == want {
				want = fmt.Sprint(args[3])
			}
			if !seen["kind "+want] {
				seen["kind "+want] = true
				kinds = append(kinds, article(want))
			}
		case f == fmtOutOfBound && len(args) == 2:
			if s := boundPhrase(fmt.Sprint(args[1])); !seen[s] {
				seen[s] = true
				values = append(values, "a value that "+s)
			}
		}
	}
	sort.Strings(values)
	if hint, ok := patternHints[c.path]; ok && actual != "" {
		return fmt.Sprintf("%s is not valid: use %s", actual, hint)
	}
	if isTarget(c.path) && actual != "" && len(values) > 0 {
		return fmt.Sprintf("unknown account %s (accounts: %s)", actual, unquoteAll(values))
	}
	if isPlatformPath(c.path) && actual != "" {
		return fmt.Sprintf("unknown platform %s (platforms: %s)", actual, strings.Join(Platforms, ", "))
	}
	var alts []string
	if len(values) > 0 {
		alts = append(alts, "one of "+strings.Join(values, ", "))
	}
	alts = append(alts, kinds...)
	if len(alts) == 0 {
		return "matches none of the allowed forms"
	}
	msg := "must be " + strings.Join(alts, ", or ")
	if actual != "" {
		msg += ", not " + actual
	} else if c.actual.Exists() {
		msg += ", not " + article(c.actual.Kind().String())
	}
	return msg
}

func isTarget(path string) bool {
	return path == "to" || strings.HasPrefix(path, "to.") && lastIndex(path) >= 0
}

func isPlatformPath(path string) bool {
	return strings.HasPrefix(path, "accounts.") && strings.HasSuffix(path, ".platform")
}

func unquoteAll(qs []string) string {
	out := make([]string, len(qs))
	for i, q := range qs {
		if s, err := strconv.Unquote(q); err == nil {
			q = s
		}
		out[i] = q
	}
	return strings.Join(out, ", ")
}

// unknownField names the unknown key and, when one of the allowed keys is
// close to it, suggests it.
func unknownField(c errContext) string {
	name, parent := unknownKey(c.siblings, c.schema, c.path)
	msg := fmt.Sprintf("unknown field %q", name)
	if s := closest(name, c.siblings.allowedFields(c.schema, parent)); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg
}

// fieldOf is the field an error is about: its path, or for an unknown
// key, the path of that key.
func fieldOf(set *errSet, e cueerrors.Error, path string, schema cue.Value) string {
	if f, _ := e.Msg(); f == fmtNotAllowed {
		name, parent := unknownKey(set, schema, path)
		if parent == "" {
			return name
		}
		return parent + "." + name
	}
	return path
}

// unknownKey splits path into the first key the schema does not allow and
// the path of the struct holding it. CUE may report a key holding a map at
// one of that map's keys.
func unknownKey(set *errSet, schema cue.Value, path string) (name, parent string) {
	labels := strings.Split(path, ".")
	for i := range labels {
		if _, err := strconv.Atoi(labels[i]); err == nil {
			continue
		}
		par := strings.Join(labels[:i], ".")
		allowed := set.allowedFields(schema, par)
		if allowed == nil {
			break
		}
		if !slices.Contains(allowed, labels[i]) {
			return labels[i], par
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:], path[:i]
	}
	return path, ""
}

// allowedFields lists the regular fields, optional or not, that the schema
// declares at the dotted path parent, once per evaluation.
func (s *errSet) allowedFields(schema cue.Value, parent string) []string {
	if names, ok := s.allowed[parent]; ok {
		return names
	}
	names := allowedFields(schema, parent)
	s.allowed[parent] = names
	return names
}

func allowedFields(schema cue.Value, parent string) []string {
	if !schema.Exists() {
		return nil
	}
	v := schema
	if parent != "" {
		var sels []cue.Selector
		for _, l := range strings.Split(parent, ".") {
			if _, err := strconv.Atoi(l); err == nil {
				sels = append(sels, cue.AnyIndex)
				continue
			}
			sels = append(sels, cue.Str(l).Optional())
		}
		v = schema.LookupPath(cue.MakePath(sels...))
	}
	iter, err := v.Fields(cue.Optional(true))
	if err != nil {
		return nil
	}
	var names []string
	for iter.Next() {
		names = append(names, iter.Selector().Unquoted())
	}
	return names
}

// closest returns the candidate nearest to name by edit distance, if it is
// near enough to be a likely typo.
func closest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		n, l := strings.ToLower(name), strings.ToLower(c)
		d := editDistance(n, l)
		if min(len(n), len(l)) >= 3 && (strings.HasPrefix(n, l) || strings.HasPrefix(l, n)) {
			d = 1 // alt_text for alt, first for first_comment
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(1, len(name)/3) {
		return ""
	}
	return best
}

// editDistance is the Damerau-Levenshtein distance (with adjacent
// transpositions) between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// boundPhrase reads a CUE bound as English: "<=280" is "must be at most 280".
func boundPhrase(b string) string {
	for _, op := range []struct{ op, words string }{
		{"<=", "must be at most "}, {">=", "must be at least "},
		{"<", "must be less than "}, {">", "must be more than "},
		{"!=", "must not be "}, {"=~", "must match "}, {"!~", "must not match "},
	} {
		if rest, ok := strings.CutPrefix(b, op.op); ok {
			return op.words + rest
		}
	}
	return "must be " + b
}

func lastIndex(path string) int {
	i := strings.LastIndexByte(path, '.')
	n, err := strconv.Atoi(path[i+1:])
	if err != nil {
		return -1
	}
	return n
}

func listLen(v cue.Value) int {
	if !v.Exists() || v.Kind() != cue.ListKind {
		return -1
	}
	n, err := v.Len().Int64()
	if err != nil {
		return -1
	}
	return int(n)
}

// concreteString formats a concrete scalar as CUE writes it ("x" quoted),
// or "" when v is absent or not a scalar.
func concreteString(v cue.Value) string {
	if !v.Exists() || !v.IsConcrete() {
		return ""
	}
	switch v.Kind() {
	case cue.StructKind, cue.ListKind:
		return ""
	}
	return fmt.Sprint(v)
}

func article(kind string) string {
	switch kind {
	case "int":
		return "an integer"
	case "float", "number":
		return "a number"
	case "bool":
		return "true or false"
	case "struct":
		return "a map"
	case "null":
		return "null"
	case "list", "string", "bytes":
		return "a " + kind
	}
	if strings.HasPrefix(kind, "(") || strings.Contains(kind, "|") {
		return kind
	}
	if strings.ContainsAny(kind[:1], "aeiou") {
		return "an " + kind
	}
	return "a " + kind
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
