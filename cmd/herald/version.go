package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// version, when set at link time, is herald's version and wins over the
// build information:
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/herald
var version string

// versionCommand is "herald version".
func versionCommand() *command {
	return &command{
		name:    "version",
		args:    "",
		summary: "print herald's version and the Go version that built it",
		help: `The version is the one set at link time (-ldflags "-X main.version=..."),
else the module version (go install ...@v1.2.3), else the VCS revision and
time of the checkout it was built from, else "devel".`,
		setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("takes no arguments")
				}
				bi, _ := debug.ReadBuildInfo()
				_, err := fmt.Fprintf(e.stdout, "herald %s %s %s/%s\n",
					versionString(version, bi), goVersion(bi), runtime.GOOS, runtime.GOARCH)
				return err
			}
		},
	}
}

// versionString picks the version to report: the link-time one, the
// module's, the checkout's revision and time, or "devel". bi may be nil.
func versionString(linked string, bi *debug.BuildInfo) string {
	if linked != "" {
		return linked
	}
	if bi == nil {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, at string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	parts := []string{"devel", rev}
	if at != "" {
		parts = append(parts, at)
	}
	if modified {
		parts = append(parts, "modified")
	}
	return strings.Join(parts, "-")
}

// goVersion is the Go version that built the binary.
func goVersion(bi *debug.BuildInfo) string {
	if bi != nil && bi.GoVersion != "" {
		return bi.GoVersion
	}
	return runtime.Version()
}
