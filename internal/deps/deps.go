package deps

import (
	_ "cuelang.org/go/cue"
	_ "filippo.io/age"
	_ "github.com/BurntSushi/toml"
	_ "github.com/adrg/frontmatter"
	_ "github.com/go-git/go-git/v5"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/google/go-github/v60/github"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/rivo/uniseg"
	_ "github.com/rogpeppe/go-internal/testscript"
	_ "github.com/yuin/goldmark"
	_ "golang.org/x/text/unicode/norm"
	_ "golang.org/x/time/rate"
	_ "gopkg.in/yaml.v3"
)
