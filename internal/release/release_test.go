// Package release checks that the files which ship herald agree with
// each other and with the code: .goreleaser.yaml, the Dockerfile,
// action/install.sh and the link-time variables of cmd/herald. No Docker
// engine or goreleaser is needed; .ci/run also runs goreleaser itself.
package release

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const root = "../../"

func read(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(root + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

type goreleaser struct {
	Builds []struct {
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Env     []string `yaml:"env"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
	} `yaml:"builds"`
	Archives []struct {
		NameTemplate    string   `yaml:"name_template"`
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
}

func loadGoreleaser(t *testing.T) goreleaser {
	t.Helper()
	var g goreleaser
	if err := yaml.Unmarshal([]byte(read(t, ".goreleaser.yaml")), &g); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if len(g.Builds) != 1 || len(g.Archives) != 1 {
		t.Fatalf(".goreleaser.yaml has %d builds and %d archives, want one of each", len(g.Builds), len(g.Archives))
	}
	return g
}

// linkVars returns the package-level string variables of cmd/herald's
// version.go, which -X may set.
func linkVars(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), root+"cmd/herald/version.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var vars []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "string" && vs.Values == nil {
				for _, n := range vs.Names {
					vars = append(vars, "main."+n.Name)
				}
			}
		}
	}
	slices.Sort(vars)
	return vars
}

var xFlag = regexp.MustCompile(`-X (main\.\w+)=`)

func xVars(ldflags string) []string {
	var out []string
	for _, m := range xFlag.FindAllStringSubmatch(ldflags, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

// TestReleaseBuild: static binaries for the six platforms, stamped with
// every link-time variable herald reads.
func TestReleaseBuild(t *testing.T) {
	b := loadGoreleaser(t).Builds[0]
	if b.Main != "./cmd/herald" || b.Binary != "herald" {
		t.Errorf("build main %q binary %q, want ./cmd/herald and herald", b.Main, b.Binary)
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") || !slices.Contains(b.Flags, "-trimpath") {
		t.Errorf("build env %v flags %v, want CGO_ENABLED=0 and -trimpath", b.Env, b.Flags)
	}
	if got, want := b.Goos, []string{"linux", "darwin", "windows"}; !slices.Equal(got, want) {
		t.Errorf("goos %v, want %v", got, want)
	}
	if got, want := b.Goarch, []string{"amd64", "arm64"}; !slices.Equal(got, want) {
		t.Errorf("goarch %v, want %v", got, want)
	}
	want := linkVars(t)
	if !slices.Equal(want, []string{"main.commit", "main.date", "main.version"}) {
		t.Fatalf("cmd/herald/version.go's link-time variables are %v; update this test and the builds", want)
	}
	if got := xVars(strings.Join(b.Ldflags, " ")); !slices.Equal(got, want) {
		t.Errorf(".goreleaser.yaml sets %v, want %v", got, want)
	}
}

// TestInstallScriptNames: action/install.sh asks for the archives and
// the checksums file by the names .goreleaser.yaml gives them.
func TestInstallScriptNames(t *testing.T) {
	g := loadGoreleaser(t)
	a := g.Archives[0]
	if a.NameTemplate != "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" {
		t.Errorf("archive name_template %q: install.sh expects herald_VERSION_OS_ARCH", a.NameTemplate)
	}
	if !slices.Equal(a.Formats, []string{"tar.gz"}) || len(a.FormatOverrides) != 1 ||
		a.FormatOverrides[0].Goos != "windows" || !slices.Equal(a.FormatOverrides[0].Formats, []string{"zip"}) {
		t.Errorf("archive formats %v, overrides %+v: install.sh expects tar.gz, and zip on Windows", a.Formats, a.FormatOverrides)
	}
	if g.Checksum.NameTemplate != "{{ .ProjectName }}_{{ .Version }}_checksums.txt" || g.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum %+v: install.sh expects herald_VERSION_checksums.txt of SHA-256 sums", g.Checksum)
	}
	script := read(t, "action/install.sh")
	for _, line := range []string{
		`archive="herald_${version}_${os}_${arch}.${ext}"`,
		`checksums="herald_${version}_checksums.txt"`,
		`ext=tar.gz`,
		`ext=zip`,
	} {
		if !strings.Contains(script, line) {
			t.Errorf("action/install.sh has no line %s", line)
		}
	}
}

// dockerfile is the Dockerfile's instructions, continuation lines
// joined, comments dropped.
func dockerfile(t *testing.T) []string {
	t.Helper()
	var out []string
	var cur string
	for line := range strings.Lines(read(t, "Dockerfile")) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") || (line == "" && cur == "") {
			continue
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			cur += s + " "
			continue
		}
		cur += line
		if cur != "" {
			out = append(out, cur)
		}
		cur = ""
	}
	return out
}

// TestDockerfile: a multi-stage build whose last stage is the static
// binary alone on distroless (CA certificates, the zone database), run
// as a non-root user, built with the release build's flags and go.mod's
// Go.
func TestDockerfile(t *testing.T) {
	ins := dockerfile(t)
	var froms, users, entry []string
	var build, copyFrom string
	for _, in := range ins {
		kw, rest, _ := strings.Cut(in, " ")
		switch strings.ToUpper(kw) {
		case "FROM":
			froms = append(froms, rest)
		case "USER":
			users = append(users, rest)
		case "ENTRYPOINT":
			entry = append(entry, rest)
		case "RUN":
			if strings.Contains(rest, "go build") {
				build = rest
			}
		case "COPY":
			if strings.HasPrefix(rest, "--from=build ") {
				copyFrom = strings.TrimPrefix(rest, "--from=build ")
			}
		}
	}
	if len(froms) != 2 {
		t.Fatalf("FROM %q, want a build stage and the image", froms)
	}

	// The build stage: go.mod's Go, the release's flags.
	gomod := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(read(t, "go.mod"))
	if gomod == nil {
		t.Fatal("go.mod has no go line")
	}
	if want := "--platform=$BUILDPLATFORM golang:" + gomod[1] + " AS build"; froms[0] != want {
		t.Errorf("first stage FROM %s, want %s (go.mod says go %s)", froms[0], want, gomod[1])
	}
	for _, want := range []string{"CGO_ENABLED=0", "GOOS=$TARGETOS", "GOARCH=$TARGETARCH", "-trimpath", "./cmd/herald"} {
		if !strings.Contains(build, want) {
			t.Errorf("the build %q has no %s", build, want)
		}
	}
	if got, want := xVars(build), linkVars(t); !slices.Equal(got, want) {
		t.Errorf("the Dockerfile sets %v, want %v", got, want)
	}
	out := regexp.MustCompile(`-o (\S+)`).FindStringSubmatch(build)

	// The image: distroless static, the binary, a non-root user.
	if froms[1] != "gcr.io/distroless/static-debian12:nonroot" {
		t.Errorf("image FROM %s, want distroless static (CA certificates, zoneinfo) as nonroot", froms[1])
	}
	src, dst, _ := strings.Cut(copyFrom, " ")
	if out == nil || src != out[1] {
		t.Errorf("COPY --from=build %q does not copy what the build wrote (%v)", copyFrom, out)
	}
	if len(entry) != 1 || entry[0] != `["`+dst+`"]` {
		t.Errorf("ENTRYPOINT %q, want [%q], the binary copied in", entry, dst)
	}
	if len(users) == 0 || strings.HasPrefix(users[len(users)-1], "root") || strings.HasPrefix(users[len(users)-1], "0") {
		t.Errorf("USER %q, want a non-root user last", users)
	}
}

// TestDockerignoreKeepsTheBuild: the build context leaves out none of
// the files herald's build reads: the Go files and embedded files of
// every package of this module that cmd/herald links, and go.mod/go.sum.
func TestDockerignoreKeepsTheBuild(t *testing.T) {
	var patterns []string
	for line := range strings.Lines(read(t, ".dockerignore")) {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	cmd := exec.Command("go", "list", "-deps", "-f", `{{if .Module}}{{if .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}
{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}
{{end}}{{end}}{{end}}`, "./cmd/herald")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"go.mod", "go.sum"}
	for line := range strings.Lines(string(out)) {
		rel, err := filepath.Rel(abs, strings.TrimSpace(line))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, filepath.ToSlash(rel))
	}
	if len(files) < 20 {
		t.Fatalf("go list named %d files: %q", len(files), files)
	}
	for _, f := range files {
		if p := ignoredBy(patterns, f); p != "" {
			t.Errorf(".dockerignore's %q leaves out %s, which the build reads", p, f)
		}
	}
	// And it does leave out what it means to.
	for _, f := range []string{".git/config", "dist/metadata.json", "cmd/herald/run_test.go", "cmd/herald/testdata/script/help.txtar"} {
		if ignoredBy(patterns, f) == "" {
			t.Errorf(".dockerignore keeps %s", f)
		}
	}
}

// ignoredBy returns the pattern that excludes name (a slash-separated
// path) from the build context, or "": a pattern matches the path or a
// directory above it, and a leading **/ matches at any depth. (Enough of
// Docker's rules for the patterns .dockerignore uses: no ! exceptions.)
func ignoredBy(patterns []string, name string) string {
	parts := strings.Split(name, "/")
	for _, p := range patterns {
		anyDepth := strings.HasPrefix(p, "**/")
		p2 := strings.TrimPrefix(p, "**/")
		for i := range parts {
			for j := i + 1; j <= len(parts); j++ {
				if !anyDepth && i > 0 {
					break
				}
				if ok, _ := path.Match(p2, strings.Join(parts[i:j], "/")); ok {
					return p
				}
			}
		}
	}
	return ""
}

// TestGoInstallable: go install github.com/heraldhq/herald/cmd/herald@latest
// refuses a main module whose go.mod replaces or excludes modules.
func TestGoInstallable(t *testing.T) {
	gomod := read(t, "go.mod")
	if !strings.HasPrefix(gomod, "module github.com/heraldhq/herald\n") {
		t.Errorf("go.mod's module is not github.com/heraldhq/herald, which the README's go install names")
	}
	if m := regexp.MustCompile(`(?m)^(replace|exclude)\b`).FindString(gomod); m != "" {
		t.Errorf("go.mod has a %s directive: go install ...@latest would refuse herald", m)
	}
	if _, err := os.Stat(root + "cmd/herald/main.go"); err != nil {
		t.Errorf("cmd/herald is not where go install looks: %v", err)
	}
}
