package schema

import (
	"cuelang.org/go/cue"
)

// The fast check answers "is this post valid?" without building the post
// in CUE, for configurations without policies, where a post's verdict
// follows from each of its values alone. It reads its rules from the
// compiled #Post, so the CUE schema stays the only statement of them:
// which keys each closed struct allows and which it requires, what each
// list holds, and which kinds each leaf takes. A leaf that takes more than
// a kind (a pattern, a set of words) is judged by CUE once per distinct
// value. Whatever it does not understand, it does not judge.
//
// It only ever says yes or "ask CUE": a post it passes is valid, and every
// other post goes through the full evaluation, which finds and words every
// violation. It is never the source of a message.

// shape is what the fast check knows of one schema value.
type shape struct {
	schema cue.Value
	kind   cue.Kind // the kinds a value may have

	// A struct: closed, with every field it names.
	fields map[string]field
	// A list: any number of elements, each of this shape.
	elem *shape

	// A leaf: whether every value of a kind is allowed, by kind, and the
	// verdict of CUE on each value met so far when not.
	anyOf map[cue.Kind]bool
	seen  map[any]bool
}

// field is one field of a struct shape.
type field struct {
	required bool // a regular or required field: the post must set it
	shape    *shape
}

// maxSeen bounds how many verdicts a leaf keeps.
const maxSeen = 4096

// fastChecker holds the shapes of one compiled schema.
type fastChecker struct {
	ctx   *cue.Context
	front *shape // #Post without rendered
	kinds map[cue.Kind]cue.Value
	// evals counts the CUE evaluations of leaves, which the context keeps.
	evals int
	// noEval makes check answer false where it would evaluate (known).
	noEval bool
}

// newFastChecker reads the shapes of post (#Post), or returns nil when the
// schema holds something it cannot judge by values alone.
func newFastChecker(ctx *cue.Context, post cue.Value) *fastChecker {
	f := &fastChecker{ctx: ctx, kinds: map[cue.Kind]cue.Value{}}
	for _, k := range []cue.Kind{cue.NullKind, cue.BoolKind, cue.IntKind, cue.FloatKind, cue.StringKind} {
		f.kinds[k] = ctx.CompileString(k.String())
	}
	front := f.build(post, 0)
	if front == nil || front.fields == nil {
		return nil
	}
	// rendered is measured by Go and checked against the limits table by
	// the caller; every other field must be understood.
	if _, ok := front.fields["rendered"]; !ok {
		return nil
	}
	delete(front.fields, "rendered")
	f.front = front
	return f
}

// probeKey is a key no schema names: a struct that allows it is open or
// has a pattern, which the fast check leaves to CUE.
const probeKey = "\x00herald-probe"

// build reads the shape of s, or returns nil for a value it cannot judge.
func (f *fastChecker) build(s cue.Value, depth int) *shape {
	if depth > 16 || s.Err() != nil {
		return nil
	}
	k := s.IncompleteKind()
	sh := &shape{schema: s, kind: k}
	switch k {
	case cue.StructKind:
		if s.Allows(cue.Str(probeKey)) {
			return nil
		}
		it, err := s.Fields(cue.Optional(true))
		if err != nil {
			return nil
		}
		sh.fields = map[string]field{}
		for it.Next() {
			sel := it.Selector()
			if sel.LabelType() != cue.StringLabel {
				return nil
			}
			name := sel.Unquoted()
			if name == "rendered" && depth == 0 {
				sh.fields[name] = field{}
				continue
			}
			fs := f.build(it.Value(), depth+1)
			if fs == nil {
				return nil
			}
			sh.fields[name] = field{required: sel.ConstraintType() != cue.OptionalConstraint, shape: fs}
		}
		return sh
	case cue.ListKind:
		elem := s.LookupPath(cue.MakePath(cue.AnyIndex))
		if !elem.Exists() {
			return nil
		}
		// The list must take any number of elements of that shape: no
		// fixed elements, no bound on its length.
		scope := f.ctx.CompileString("{}").FillPath(cue.MakePath(cue.Def("#e")), elem)
		open := f.ctx.CompileString("[...#e]", cue.Scope(scope))
		if open.Err() != nil || s.Subsume(open) != nil {
			return nil
		}
		if sh.elem = f.build(elem, depth+1); sh.elem == nil {
			return nil
		}
		return sh
	}
	if k&^(cue.NullKind|cue.BoolKind|cue.IntKind|cue.FloatKind|cue.StringKind) != 0 || k == cue.BottomKind {
		return nil
	}
	sh.anyOf = map[cue.Kind]bool{}
	for kind, typ := range f.kinds {
		if k&kind != 0 {
			sh.anyOf[kind] = s.Subsume(typ) == nil
		}
	}
	sh.seen = map[any]bool{}
	return sh
}

// valid reports whether doc surely is valid against the front shape.
func (f *fastChecker) valid(doc map[string]any) bool {
	return f.check(f.front, doc)
}

// known reports whether doc surely is valid against the front shape
// without evaluating anything in CUE: every leaf is of a kind its shape
// takes whole, or has a verdict from an earlier evaluation. False says
// only that the answer needs an evaluation (or is no).
func (f *fastChecker) known(doc map[string]any) bool {
	f.noEval = true
	defer func() { f.noEval = false }()
	return f.check(f.front, doc)
}

func (f *fastChecker) check(sh *shape, val any) bool {
	switch v := val.(type) {
	case map[string]any:
		if sh.fields == nil {
			return false
		}
		for k, x := range v {
			fd, ok := sh.fields[k]
			if !ok || fd.shape == nil || !f.check(fd.shape, x) {
				return false
			}
		}
		for k, fd := range sh.fields {
			if fd.required {
				if _, ok := v[k]; !ok {
					return false
				}
			}
		}
		return true
	case []any:
		if sh.elem == nil {
			return false
		}
		for _, x := range v {
			if !f.check(sh.elem, x) {
				return false
			}
		}
		return true
	}
	if sh.anyOf == nil {
		return false
	}
	var kind cue.Kind
	switch val.(type) {
	case nil:
		kind = cue.NullKind
	case bool:
		kind = cue.BoolKind
	case int, int64:
		kind = cue.IntKind
	case float64:
		kind = cue.FloatKind
	case string:
		kind = cue.StringKind
	default:
		return false
	}
	anyOK, ok := sh.anyOf[kind]
	if !ok {
		return false
	}
	if anyOK {
		return true
	}
	if ok, seen := sh.seen[val]; seen {
		return ok
	}
	if f.noEval {
		return false
	}
	f.evals++
	ok = sh.schema.Unify(f.ctx.Encode(val)).Validate(cue.Concrete(true)) == nil
	if len(sh.seen) < maxSeen {
		sh.seen[val] = ok
	}
	return ok
}
