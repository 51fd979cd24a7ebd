package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// version, commit and date, when set at link time, are herald's version,
// the commit it was built from and when, and win over the build
// information. Release builds (.goreleaser.yaml) set all three:
//
//	go build -ldflags "-X main.version=v1.2.3 -X main.commit=4298cd2 -X main.date=2026-12-07T09:00:00Z" ./cmd/herald
var version, commit, date string

// versionInfo is what "herald version --json" prints. Its field names are
// a contract: scripts read them.
type versionInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Date    string `json:"date,omitempty"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

// versionCommand is "herald version".
func versionCommand() *command {
	return &command{
		name:    "version",
		args:    "[--json]",
		summary: "print herald's version and the Go version that built it",
		help: `The version is the one set at link time (-ldflags "-X main.version=..."),
else the module version (go install ...@v1.2.3), else the VCS revision and
time of the checkout it was built from, else "devel".

--json prints {"version","commit","date","go","os","arch"}; commit and date
are those set at link time, else the checkout's, and absent when unknown.`,
		setup: func(fs *flag.FlagSet) runFunc {
			asJSON := fs.Bool("json", false, "print the version as a JSON object")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("takes no arguments")
				}
				bi, _ := debug.ReadBuildInfo()
				info := buildVersion(version, commit, date, bi)
				if *asJSON {
					enc := json.NewEncoder(e.stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(info)
				}
				_, err := fmt.Fprintf(e.stdout, "herald %s %s %s/%s\n", info.Version, info.Go, info.OS, info.Arch)
				return err
			}
		},
	}
}

// buildVersion gathers what herald knows of its build: the link-time
// values where set, else the build information's. bi may be nil.
func buildVersion(linkedVersion, linkedCommit, linkedDate string, bi *debug.BuildInfo) versionInfo {
	info := versionInfo{
		Version: versionString(linkedVersion, bi),
		Commit:  linkedCommit,
		Date:    linkedDate,
		Go:      goVersion(bi),
		OS:      runtime.GOOS,
		Arch:    runtime.GOARCH,
	}
	if bi != nil {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && info.Commit == "":
				info.Commit = s.Value
			case s.Key == "vcs.time" && info.Date == "":
				info.Date = s.Value
			}
		}
	}
	return info
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
