package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestVersionString(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name   string
		linked string
		bi     *debug.BuildInfo
		want   string
	}{
		{name: "no build info", want: "devel"},
		{name: "linked wins", linked: "v9.9.9", bi: &debug.BuildInfo{Main: debug.Module{Version: "v1.0.0"}}, want: "v9.9.9"},
		{name: "module version", bi: &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, want: "v1.2.3"},
		{name: "checkout", bi: &debug.BuildInfo{
			Main:     debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "4298cd2b0e5f7a1c9d2e3f4a5b6c7d8e9f0a1b2c", "vcs.time", "2026-11-21T20:23:00Z", "vcs.modified", "false"),
		}, want: "devel-4298cd2b0e5f-2026-11-21T20:23:00Z"},
		{name: "modified checkout", bi: &debug.BuildInfo{
			Main:     debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "abc123", "vcs.modified", "true"),
		}, want: "devel-abc123-modified"},
		{name: "no vcs", bi: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, want: "devel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionString(tt.linked, tt.bi); got != tt.want {
				t.Errorf("versionString() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBuildVersion(t *testing.T) {
	checkout := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "4298cd2b0e5f7a1c9d2e3f4a5b6c7d8e9f0a1b2c"},
			{Key: "vcs.time", Value: "2026-11-21T20:23:00Z"},
		},
	}
	tests := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  versionInfo
	}{
		{name: "release build: the linked values win",
			version: "v1.2.3", commit: "abc1234", date: "2026-12-07T09:00:00Z", bi: checkout,
			want: versionInfo{Version: "v1.2.3", Commit: "abc1234", Date: "2026-12-07T09:00:00Z", Go: "go1.26.8"}},
		{name: "checkout: commit and date from the build information", bi: checkout,
			want: versionInfo{Version: "devel-4298cd2b0e5f-2026-11-21T20:23:00Z",
				Commit: "4298cd2b0e5f7a1c9d2e3f4a5b6c7d8e9f0a1b2c", Date: "2026-11-21T20:23:00Z", Go: "go1.26.8"}},
		{name: "go install: a module version, no commit",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}},
			want: versionInfo{Version: "v1.4.0", Go: "go1.26.8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := buildVersion(tt.version, tt.commit, tt.date, tt.bi)
			tt.want.OS, tt.want.Arch = runtime.GOOS, runtime.GOARCH
			if got != tt.want {
				t.Errorf("buildVersion() = %+v, want %+v", got, tt.want)
			}
		})
	}
}
