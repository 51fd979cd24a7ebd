package corpus

import (
	"os"
	"path/filepath"
)

// hugoFiles are the files of a minimal Hugo site whose content directory is
// the posts directory. Taxonomies, feeds, the sitemap and robots.txt are
// off: the site renders each post and its section lists, and nothing more,
// which keeps the baseline as lean as Hugo can be.
var hugoFiles = map[string]string{
	"hugo.toml": `baseURL = "https://example.com/"
title = "Generated corpus"
contentDir = "` + ContentDir + `"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT"]
`,
	"layouts/_default/single.html": `<!DOCTYPE html>
<html><head><title>{{ .Title }}</title></head>
<body><h1>{{ .Title }}</h1>
{{ .Content }}
</body></html>
`,
	"layouts/_default/list.html": `<!DOCTYPE html>
<html><head><title>{{ .Title }}</title></head>
<body><h1>{{ .Title }}</h1>
{{ .Content }}
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
</body></html>
`,
}

// writeHugo writes the Hugo site's configuration and layouts into dir.
func writeHugo(dir string) error {
	for name, text := range hugoFiles {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}
