package schema

import (
	"bytes"
	"encoding/json"
	"fmt"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/encoding/jsonschema"
)

// JSONSchema returns a JSON Schema (draft 2020-12) of the front-matter that
// cfg allows, generated from the CUE post schema: the account names are the
// values `to` takes and the override keys, and each field carries its CUE
// doc comment as its description, so that editors complete and check
// front-matter as herald validate would.
func JSONSchema(cfg *Config) ([]byte, error) {
	ctx := cuecontext.New()
	base := ctx.CompileString(postCUE+accountsCUE(cfg)+docCUE, cue.Filename("post.cue"))
	if err := base.Err(); err != nil {
		return nil, fmt.Errorf("compile post schema: %w", err)
	}
	front := base.LookupPath(cue.MakePath(cue.Def("#Front")))
	expr, err := jsonschema.Generate(front, &jsonschema.GenerateConfig{Version: jsonschema.VersionDraft2020_12})
	if err != nil {
		return nil, fmt.Errorf("generate json schema: %w", err)
	}
	v := ctx.BuildExpr(expr)
	if err := v.Err(); err != nil {
		return nil, fmt.Errorf("generate json schema: %w", err)
	}
	raw, err := v.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode json schema: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, fmt.Errorf("encode json schema: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
