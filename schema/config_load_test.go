package schema

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(fstest.MapFS{"posts/a.md": {Data: []byte("hi")}})
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{Content: "posts", Accounts: map[string]*Account{}, RequireAlt: true, MaxLateness: 24 * time.Hour}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestLoadConfig(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone database")
	}
	yamlSrc := `content: content/posts
timezone: Europe/Paris
require_alt: false
max_lateness: 2h30m
accounts:
  x:
    token_env: X_TOKEN
  linkedin:company:
    org: "123"
  fosstodon:
    platform: mastodon
    base_url: https://fosstodon.org
    max_length: 1000
    token_env: FOSSTODON_TOKEN
freeze:
  reason: holidays
  windows:
    - from: 2026-12-24
      until: 2026-12-27T00:00:00Z
      reason: christmas
`
	cueSrc := `content: "content/posts"
timezone: "Europe/Paris"
require_alt: false
max_lateness: "2h30m"
accounts: {
	x: token_env: "X_TOKEN"
	"linkedin:company": org: "123"
	fosstodon: {
		platform:   "mastodon"
		base_url:   "https://fosstodon.org"
		max_length: 1000
		token_env:  "FOSSTODON_TOKEN"
	}
}
freeze: {
	reason: "holidays"
	windows: [{from: "2026-12-24", until: "2026-12-27T00:00:00Z", reason: "christmas"}]
}
post: tags: [_, ...]
`
	for _, tc := range []struct{ name, src string }{
		{"herald.yaml", yamlSrc},
		{"herald.yml", yamlSrc},
		{"herald.cue", cueSrc},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfig(fstest.MapFS{tc.name: {Data: []byte(tc.src)}})
			if err != nil {
				t.Fatal(err)
			}
			want := &Config{
				File:     tc.name,
				Content:  "content/posts",
				Timezone: paris,
				Accounts: map[string]*Account{
					"x":                {Name: "x", Platform: "x", Settings: map[string]any{"token_env": "X_TOKEN"}},
					"linkedin:company": {Name: "linkedin:company", Platform: "linkedin", Settings: map[string]any{"org": "123"}},
					"fosstodon": {Name: "fosstodon", Platform: "mastodon", MaxLength: 1000, BaseURL: "https://fosstodon.org",
						Settings: map[string]any{"token_env": "FOSSTODON_TOKEN"}},
				},
				RequireAlt:  false,
				MaxLateness: 150 * time.Minute,
				Freeze: Freeze{Reason: "holidays", Windows: []Window{{
					From:   time.Date(2026, 12, 24, 0, 0, 0, 0, paris),
					Until:  time.Date(2026, 12, 27, 0, 0, 0, 0, time.UTC),
					Reason: "christmas",
				}}},
				Source: []byte(tc.src),
			}
			opts := cmp.Options{
				cmpopts.IgnoreFields(Account{}, "Pos"),
				cmp.Comparer(func(a, b *time.Location) bool { return a.String() == b.String() }),
				cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
			}
			if diff := cmp.Diff(want, cfg, opts); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
			for name, a := range cfg.Accounts {
				if a.Pos.File != tc.name || a.Pos.Line < 5 {
					t.Errorf("account %s at %+v, want a line of %s", name, a.Pos, tc.name)
				}
			}
		})
	}
}

func TestLoadConfigFreezeSwitch(t *testing.T) {
	cfg, err := LoadConfig(fstest.MapFS{"herald.yaml": {Data: []byte("freeze: true\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Freeze{On: true}, cfg.Freeze); diff != "" {
		t.Errorf("freeze (-want +got):\n%s", diff)
	}
}

// TestLoadConfigErrors checks that every configuration error is an Errors
// positioned in the configuration file, at the offending key or value.
func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  Errors
	}{{
		name:  "malformed yaml",
		files: map[string]string{"herald.yaml": "content: posts\naccounts: [\n"},
		want:  Errors{{File: "herald.yaml", Line: 2, Field: "", Message: "did not find expected node content"}},
	}, {
		name:  "malformed cue",
		files: map[string]string{"herald.cue": "content: \"posts\"\naccounts: {\n"},
		want:  Errors{{File: "herald.cue", Line: 2, Column: 13, Message: "expected '}', found 'EOF'"}},
	}, {
		name:  "wrong type",
		files: map[string]string{"herald.yaml": "content: posts\nrequire_alt: \"yes\"\n"},
		want:  Errors{{File: "herald.yaml", Line: 2, Column: 14, Field: "require_alt", Message: "must be true or false, not a string"}},
	}, {
		name:  "wrong type in an account",
		files: map[string]string{"herald.yaml": "accounts:\n  mastodon:\n    max_length: lots\n"},
		want:  Errors{{File: "herald.yaml", Line: 3, Column: 17, Field: "accounts.mastodon.max_length", Message: "must be an integer, not a string"}},
	}, {
		name:  "unknown platform",
		files: map[string]string{"herald.yaml": "accounts:\n  work:\n    platform: myspace\n"},
		want: Errors{{File: "herald.yaml", Line: 3, Column: 5, Field: "accounts.work.platform",
			Message: `unknown platform "myspace" (platforms: ` + strings.Join(Platforms, ", ") + ")"}},
	}, {
		name:  "account without a platform",
		files: map[string]string{"herald.yaml": "accounts:\n  work:\n    base_url: https://example.com\n"},
		want: Errors{{File: "herald.yaml", Line: 2, Column: 3, Field: "accounts.work",
			Message: `account "work" needs a platform: name it after a platform (` + strings.Join(Platforms, ", ") + "), as platform:name, or set platform"}},
	}, {
		name:  "account name with an instance separator",
		files: map[string]string{"herald.yaml": "accounts:\n  x#2:\n    platform: x\n"},
		want: Errors{{File: "herald.yaml", Line: 2, Column: 3, Field: "accounts.x#2",
			Message: `account "x#2": a name cannot hold "#" or "~", which mark a recurring post's occurrence and a variant in state`}},
	}, {
		name:  "unknown timezone",
		files: map[string]string{"herald.yaml": "content: posts\ntimezone: Mars/Olympus\n"},
		want: Errors{{File: "herald.yaml", Line: 2, Column: 1, Field: "timezone",
			Message: `unknown time zone "Mars/Olympus": use an IANA name such as "Europe/Paris" or "UTC"`}},
	}, {
		name:  "unknown timezone in cue",
		files: map[string]string{"herald.cue": "content: \"posts\"\ntimezone: \"Mars/Olympus\"\n"},
		want: Errors{{File: "herald.cue", Line: 2, Column: 1, Field: "timezone",
			Message: `unknown time zone "Mars/Olympus": use an IANA name such as "Europe/Paris" or "UTC"`}},
	}, {
		name:  "inline secret",
		files: map[string]string{"herald.yaml": "accounts:\n  bluesky:\n    handle: me.example\n    app_password: hunter2\n"},
		want: Errors{{File: "herald.yaml", Line: 4, Column: 5, Field: "accounts.bluesky.app_password",
			Message: "secrets must not be written in the configuration: put it in an environment variable and name the variable with app_password_env"}},
	}, {
		name:  "inline secret in cue",
		files: map[string]string{"herald.cue": "accounts: x: {\n\ttoken: \"abc\"\n}\n"},
		want: Errors{{File: "herald.cue", Line: 2, Column: 2, Field: "accounts.x.token",
			Message: "secrets must not be written in the configuration: put it in an environment variable and name the variable with token_env"}},
	}, {
		name:  "relay that does not reach the platform",
		files: map[string]string{"herald.yaml": "accounts:\n  mastodon:\n    providers: [direct, postforme]\n    postforme: {account_id: spc_1}\n"},
		want: Errors{{File: "herald.yaml", Line: 3, Column: 25, Field: "accounts.mastodon.providers.1",
			Message: "postforme does not publish to mastodon (it reaches " + strings.Join(Relays["postforme"], ", ") + ")"}},
	}, {
		name:  "relay without its settings, provider twice",
		files: map[string]string{"herald.yaml": "accounts:\n  x:\n    providers: [late, direct, direct]\n"},
		want: Errors{
			{File: "herald.yaml", Line: 3, Column: 17, Field: "accounts.x.providers.0", Message: "provider late needs its settings: add late: {account_id: ..., api_key_env: ...} to the account"},
			{File: "herald.yaml", Line: 3, Column: 31, Field: "accounts.x.providers.2", Message: "provider direct is listed twice"},
		},
	}, {
		name:  "pasted relay key",
		files: map[string]string{"herald.yaml": "accounts:\n  x:\n    providers: [postforme]\n    postforme: {account_id: spc_1, api_key_env: pfm_live_abc123}\n"},
		want: Errors{{File: "herald.yaml", Line: 4, Column: 36, Field: "accounts.x.postforme.api_key_env",
			Message: "must name an environment variable (letters A-Z, digits and _, like POSTFORME_API_KEY); this value looks like a pasted secret: put the secret in an environment variable and write its name here, and if it was committed, revoke it"}},
	}, {
		name:  "both files",
		files: map[string]string{"herald.cue": "content: \"posts\"\n", "herald.yaml": "content: posts\n"},
		want: Errors{{File: "herald.yaml", Line: 1, Column: 1,
			Message: "herald.cue and herald.yaml are both present: keep one configuration file"}},
	}, {
		name:  "unknown setting",
		files: map[string]string{"herald.yaml": "content: posts\ntimezon: UTC\n"},
		want:  Errors{{File: "herald.yaml", Line: 2, Column: 1, Field: "timezon", Message: `unknown setting "timezon" (did you mean "timezone"?)`}},
	}, {
		name:  "bad duration",
		files: map[string]string{"herald.yaml": "max_lateness: soon\n"},
		want: Errors{{File: "herald.yaml", Line: 1, Column: 15, Field: "max_lateness",
			Message: `"soon" is not valid: use a duration such as 24h or 90m`}},
	}, {
		name:  "several errors",
		files: map[string]string{"herald.yaml": "timezone: Nowhere\naccounts:\n  x:\n    api_key: abc\n  y:\n    platform: orkut\n"},
		want: Errors{
			{File: "herald.yaml", Line: 1, Column: 1, Field: "timezone", Message: `unknown time zone "Nowhere": use an IANA name such as "Europe/Paris" or "UTC"`},
			{File: "herald.yaml", Line: 4, Column: 5, Field: "accounts.x.api_key", Message: "secrets must not be written in the configuration: put it in an environment variable and name the variable with api_key_env"},
			{File: "herald.yaml", Line: 6, Column: 5, Field: "accounts.y.platform", Message: `unknown platform "orkut" (platforms: ` + strings.Join(Platforms, ", ") + ")"},
		},
	}, {
		name:  "window ends before it starts",
		files: map[string]string{"herald.yaml": "freeze:\n  windows:\n    - from: 2026-12-27\n      until: 2026-12-24\n"},
		want:  Errors{{File: "herald.yaml", Line: 3, Column: 7, Field: "freeze.windows.0", Message: "the window ends before it starts"}},
	}}
	var all strings.Builder
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, src := range tc.files {
				fsys[name] = &fstest.MapFile{Data: []byte(src)}
			}
			cfg, err := LoadConfig(fsys)
			if err == nil {
				t.Fatalf("LoadConfig = %+v, want an error", cfg)
			}
			var got Errors
			if !errors.As(err, &got) {
				t.Fatalf("error %v is %T, want Errors", err, err)
			}
			for _, e := range tc.want {
				e.Severity = SeverityError
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			fmt.Fprintf(&all, "# %s\n%v\n", tc.name, err)
		})
	}
	golden(t, "config_errors.golden", []byte(all.String()))
}

// TestSecretSettingNames: a setting that holds a secret (its name ends in
// one) is refused; one that only names something about it is not.
func TestSecretSettingNames(t *testing.T) {
	for key, secret := range map[string]bool{
		"access_token": true, "api_key": true, "client_secret": true, "password": true, "tokens": true,
		"token_url": false, "key_file": false, "token_env": false, "secret_store_url": false, "handle": false,
	} {
		t.Run(key, func(t *testing.T) {
			src := "accounts:\n  x:\n    " + key + ": value\n"
			_, err := LoadConfig(fstest.MapFS{"herald.yaml": {Data: []byte(src)}})
			got := err != nil && strings.Contains(err.Error(), "secrets must not be written")
			if got != secret {
				t.Errorf("refused as a secret = %v, want %v (err: %v)", got, secret, err)
			}
		})
	}
}
