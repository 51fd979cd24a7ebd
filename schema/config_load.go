package schema

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	cueyaml "cuelang.org/go/encoding/yaml"

	"github.com/heraldhq/herald/state"
)

// cueFiles holds the built-in schemas: cue/post.cue for posts and
// cue/config.cue for the configuration.
//
//go:embed cue/post.cue cue/config.cue
var cueFiles embed.FS

// Names of the configuration files, in the order they are looked for.
const (
	ConfigCUE  = "herald.cue"
	ConfigYAML = "herald.yaml"
	ConfigYML  = "herald.yml"
)

// Defaults of the configuration, used for keys a configuration leaves out.
const (
	DefaultContent     = "posts"
	DefaultMaxLateness = 24 * time.Hour
)

func mustRead(name string) string {
	b, err := cueFiles.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: cannot happen
	}
	return string(b)
}

var (
	postCUE   = mustRead("cue/post.cue")
	configCUE = mustRead("cue/config.cue")
)

// platformsCUE is #Platform as a disjunction of every platform Go knows, so
// that the CUE schema and schema.Platforms cannot disagree.
func platformsCUE() string {
	qs := make([]string, len(Platforms))
	for i, p := range Platforms {
		qs[i] = strconv.Quote(p)
	}
	return "\n#Platform: " + strings.Join(qs, " | ") + "\n"
}

// LoadConfig reads the configuration at the root of fsys (herald.cue,
// herald.yaml or herald.yml), validates it against the embedded config
// schema and returns it with defaults filled in. Without a configuration
// file it returns the defaults. Content errors are Errors positioned in the
// configuration file; reading errors are returned wrapped.
func LoadConfig(fsys fs.FS) (*Config, error) {
	var found []string
	for _, name := range []string{ConfigCUE, ConfigYAML, ConfigYML} {
		_, err := fs.Stat(fsys, name)
		switch {
		case err == nil:
			found = append(found, name)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("load config: %w", err)
		}
	}
	cfg := &Config{
		Content:     DefaultContent,
		Accounts:    map[string]*Account{},
		RequireAlt:  true,
		MaxLateness: DefaultMaxLateness,
	}
	switch len(found) {
	case 0:
		return cfg, nil
	case 1:
	default:
		return nil, Errors{Errorf(Position{File: found[1], Line: 1, Col: 1}, "",
			"%s and %s are both present: keep one configuration file", found[0], found[1])}
	}
	cfg.File = found[0]
	src, err := readConfig(fsys, cfg.File)
	if err != nil {
		return nil, err
	}
	cfg.Source = src
	var errs Errors
	if gerr := guard(cfg.File, func() { errs, err = evalConfig(cfg, src) }); gerr != nil {
		return nil, gerr
	}
	if err != nil {
		return nil, err
	}
	if errs != nil {
		return nil, errs
	}
	return cfg, nil
}

// readConfig reads a configuration file, refusing one over MaxConfigSize
// before reading it.
func readConfig(fsys fs.FS, name string) ([]byte, error) {
	tooBig := func(size string) error {
		return Errors{Errorf(Position{File: name}, "", "the configuration is %s; the limit is %s", size, limitString(MaxConfigSize))}
	}
	if info, err := fs.Stat(fsys, name); err == nil && info.Size() > MaxConfigSize {
		return nil, tooBig(sizeString(info.Size()))
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	if len(src) > MaxConfigSize {
		return nil, tooBig("more than " + limitString(MaxConfigSize))
	}
	return src, nil
}

// evalConfig compiles and checks the configuration's source into cfg.
func evalConfig(cfg *Config, src []byte) (Errors, error) {
	ctx := cuecontext.New()
	base := ctx.CompileString(postCUE+checkCUE, cue.Filename("post.cue"))
	if err := base.Err(); err != nil {
		return nil, fmt.Errorf("compile post schema: %w", err)
	}
	cs := ctx.CompileString(configCUE+platformsCUE(), cue.Filename("config.cue"))
	if err := cs.Err(); err != nil {
		return nil, fmt.Errorf("compile config schema: %w", err)
	}
	raw, errs := compileConfig(ctx, base, cfg.File, src)
	if errs != nil {
		return errs, nil
	}
	return checkConfig(cfg, cs.LookupPath(cue.ParsePath("#Config")), raw), nil
}

// compileConfig turns the configuration's bytes into a CUE value: herald.cue
// is compiled with the post schema in scope (so policies may name #Limit or
// #Post), YAML is read with CUE's own YAML decoder so that every value keeps
// its position.
func compileConfig(ctx *cue.Context, base cue.Value, name string, src []byte) (cue.Value, Errors) {
	var v cue.Value
	if name == ConfigCUE {
		v = ctx.CompileBytes(src, cue.Filename(name), cue.Scope(base))
	} else {
		f, err := cueyaml.Extract(name, src)
		if err != nil {
			return v, configErrors(err, name, cue.Value{}, cue.Value{})
		}
		v = ctx.BuildFile(f)
	}
	if err := v.Err(); err != nil {
		return v, configErrors(err, name, v, cue.Value{})
	}
	if v.IncompleteKind() != cue.StructKind {
		return v, Errors{Errorf(Position{File: name, Line: 1, Col: 1}, "", "the configuration must be a map of settings")}
	}
	return v, nil
}

// checkConfig validates raw against the config schema and fills cfg.
func checkConfig(cfg *Config, schema, raw cue.Value) Errors {
	var errs Errors
	// Each top-level key, and each account, is checked on its own: CUE
	// reports an unknown key only when its struct has no other error.
	iter, err := raw.Fields()
	if err != nil {
		return configErrors(err, cfg.File, raw, schema)
	}
	for iter.Next() {
		sel := iter.Selector()
		key := sel.Unquoted()
		want := schema.LookupPath(cue.MakePath(sel.Optional()))
		if !want.Exists() {
			msg := fmt.Sprintf("unknown setting %q", key)
			if s := closest(key, allowedFields(schema, "")); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			errs = append(errs, Errorf(cuePos(cfg.File, iter.Value()), key, "%s", msg))
			continue
		}
		var parts []cue.Value
		if key == "accounts" {
			acct, err := iter.Value().Fields()
			if err != nil {
				errs = append(errs, configErrors(err, cfg.File, raw, schema)...)
				continue
			}
			for acct.Next() {
				p := cue.MakePath(cue.Str("accounts"), acct.Selector())
				parts = append(parts, schema.FillPath(p, acct.Value()).LookupPath(p))
			}
		} else {
			parts = append(parts, schema.FillPath(cue.MakePath(sel), iter.Value()).LookupPath(cue.MakePath(sel)))
		}
		for _, u := range parts {
			// Everything but the policies and limits must be concrete:
			// they are settings, not constraints.
			concrete := key != "post" && key != "limits"
			if err := u.Validate(cue.Concrete(concrete), cue.All()); err != nil {
				errs = append(errs, configErrors(err, cfg.File, raw, schema)...)
			}
		}
	}
	// The settings Go reads are read only where CUE found nothing wrong.
	bad := func(path string) bool {
		for _, e := range errs {
			if e.Field == path || strings.HasPrefix(e.Field, path+".") {
				return true
			}
		}
		return false
	}
	u := schema.Unify(raw)
	at := func(path string) Position {
		return cuePos(cfg.File, raw.LookupPath(cue.ParsePath(path)))
	}

	if s, ok := stringAt(u, "content"); ok && !bad("content") {
		cfg.Content = s
	}
	if s, ok := stringAt(u, "timezone"); ok && !bad("timezone") {
		loc, err := time.LoadLocation(s)
		if err != nil || s == "" || s == "Local" {
			errs = append(errs, Errorf(at("timezone"), "timezone",
				"unknown time zone %q: use an IANA name such as \"Europe/Paris\" or \"UTC\"", s))
		} else {
			cfg.Timezone = loc
		}
	}
	if b, err := u.LookupPath(cue.ParsePath("require_alt")).Bool(); err == nil {
		cfg.RequireAlt = b
	}
	if s, ok := stringAt(u, "max_lateness"); ok && !bad("max_lateness") {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			errs = append(errs, Errorf(at("max_lateness"), "max_lateness",
				"invalid duration %q: write it like \"24h\" or \"90m\"", s))
		} else {
			cfg.MaxLateness = d
		}
	}
	errs = append(errs, loadAccounts(cfg, u, at, bad)...)
	if !bad("freeze") {
		errs = append(errs, loadFreeze(cfg, u, at)...)
	}
	errs = append(errs, loadQueues(cfg, u, at, bad)...)
	errs = append(errs, loadUTM(cfg, u, at, bad)...)
	if len(errs) > 0 {
		return dedupe(errs)
	}
	return nil
}

func stringAt(v cue.Value, path string) (string, bool) {
	f := v.LookupPath(cue.ParsePath(path))
	if !f.Exists() {
		return "", false
	}
	s, err := f.String()
	return s, err == nil
}

func loadAccounts(cfg *Config, u cue.Value, at func(string) Position, bad func(string) bool) Errors {
	accts := u.LookupPath(cue.ParsePath("accounts"))
	if !accts.Exists() {
		return nil
	}
	var errs Errors
	iter, err := accts.Fields()
	if err != nil {
		return nil // reported by validation
	}
	for iter.Next() {
		name := iter.Selector().Unquoted()
		path := cue.MakePath(cue.Str("accounts"), cue.Str(name)).String()
		if bad("accounts." + name) {
			continue
		}
		var settings map[string]any
		if err := iter.Value().Decode(&settings); err != nil {
			errs = append(errs, Errorf(at(path), "accounts."+name, "account settings: %v", err))
			continue
		}
		a := &Account{Name: name, Pos: at(path), Settings: map[string]any{}}
		envBad := false
		for _, k := range sortedKeys(settings) {
			if !strings.HasSuffix(k, "_env") {
				continue
			}
			if v, ok := settings[k].(string); !ok || !IsEnvName(v) {
				// Never echo the value: it is most likely the secret.
				field := "accounts." + name + "." + k
				errs = append(errs, Errorf(at(cue.MakePath(cue.Str("accounts"), cue.Str(name), cue.Str(k)).String()), field,
					"must name an environment variable (letters A-Z, digits and _, like %s); this value looks like a pasted secret: "+
						"put the secret in an environment variable and write its name here, and if it was committed, revoke it",
					envExample(name, k)))
				envBad = true
			}
		}
		if envBad {
			continue
		}
		if rerrs := relayEnvs(name, settings, at); len(rerrs) > 0 {
			errs = append(errs, rerrs...)
			continue
		}
		for k, val := range settings {
			switch k {
			case "platform":
				a.Platform, _ = val.(string)
			case "max_length":
				a.MaxLength = toInt(val)
			case "base_url":
				a.BaseURL, _ = val.(string)
			case "providers":
				list, _ := val.([]any)
				for _, p := range list {
					if p, ok := p.(string); ok {
						a.Providers = append(a.Providers, p)
					}
				}
			case "timeout":
				if s, ok := val.(string); ok {
					a.Timeout, _ = time.ParseDuration(s)
				}
			case "utm":
				errs = append(errs, accountUTMFrom(a, val, at)...)
			case "approvers":
				list, _ := val.([]any)
				for _, p := range list {
					if p, ok := p.(string); ok {
						a.Approvers = append(a.Approvers, p)
					}
				}
			default:
				a.Settings[k] = val
			}
		}
		if strings.ContainsAny(name, state.OccurrenceSep+state.VariantSep) {
			errs = append(errs, Errorf(a.Pos, "accounts."+name,
				"account %q: a name cannot hold %q or %q, which mark a recurring post's occurrence and a variant in state", name, state.OccurrenceSep, state.VariantSep))
			continue
		}
		if a.Platform == "" {
			a.Platform = platformOfName(name)
		}
		if a.Platform == "" {
			errs = append(errs, Errorf(a.Pos, "accounts."+name,
				"account %q needs a platform: name it after a platform (%s), as platform:name, or set platform", name, strings.Join(Platforms, ", ")))
			continue
		}
		if perrs := checkProviders(a, at); len(perrs) > 0 {
			errs = append(errs, perrs...)
			continue
		}
		cfg.Accounts[name] = a
	}
	return errs
}

// relayEnvs checks the *_env keys of an account's relay blocks as the
// account's own are checked: a value that is not a variable's name is
// never echoed.
func relayEnvs(name string, settings map[string]any, at func(string) Position) Errors {
	var errs Errors
	for _, relay := range sortedKeys(Relays) {
		block, ok := settings[relay].(map[string]any)
		if !ok {
			continue
		}
		for _, k := range sortedKeys(block) {
			if !strings.HasSuffix(k, "_env") {
				continue
			}
			if v, ok := block[k].(string); !ok || !IsEnvName(v) {
				errs = append(errs, Errorf(at(cue.MakePath(cue.Str("accounts"), cue.Str(name), cue.Str(relay), cue.Str(k)).String()),
					"accounts."+name+"."+relay+"."+k,
					"must name an environment variable (letters A-Z, digits and _, like %s); this value looks like a pasted secret: "+
						"put the secret in an environment variable and write its name here, and if it was committed, revoke it",
					envExample(relay, k)))
			}
		}
	}
	return errs
}

// checkProviders checks an account's providers: each named once, each
// relay with its block and able to reach the account's platform; and
// absent means [direct] (Account.ProviderNames).
func checkProviders(a *Account, at func(string) Position) Errors {
	var errs Errors
	seen := map[string]bool{}
	for i, p := range a.Providers {
		path := cue.MakePath(cue.Str("accounts"), cue.Str(a.Name), cue.Str("providers"), cue.Index(i)).String()
		field := fmt.Sprintf("accounts.%s.providers.%d", a.Name, i)
		switch {
		case seen[p]:
			errs = append(errs, Errorf(at(path), field, "provider %s is listed twice", p))
		case p == ProviderDirect:
		case Relays[p] == nil:
			// The schema names the providers it knows.
		case !slicesContains(Relays[p], a.Platform):
			errs = append(errs, Errorf(at(path), field, "%s does not publish to %s (it reaches %s)", p, a.Platform, strings.Join(Relays[p], ", ")))
		case a.Settings[p] == nil:
			errs = append(errs, Errorf(at(path), field, "provider %s needs its settings: add %s: {account_id: ..., api_key_env: ...} to the account", p, p))
		}
		seen[p] = true
	}
	return errs
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// envName is what a *_env setting holds: the name of an environment
// variable, as POSIX shells write them, in capitals.
var (
	envName     = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
	notEnvChars = regexp.MustCompile(`[^A-Z0-9_]+`)
)

// IsEnvName reports whether s can be the name of the environment variable
// a *_env setting names. Anything else (a token, a password pasted by
// mistake) is refused without being echoed.
func IsEnvName(s string) bool { return envName.MatchString(s) }

// envExample is a variable name for an account's *_env setting, for
// messages: MASTODON_TOKEN for mastodon's token_env.
func envExample(account, key string) string {
	name := strings.ToUpper(strings.TrimSuffix(account+"_"+strings.TrimSuffix(key, "_env"), "_"))
	name = notEnvChars.ReplaceAllString(name, "_")
	if name == "" || !IsEnvName(name) {
		return "MY_TOKEN"
	}
	return name
}

// platformOfName is the platform an account's name implies: the name
// itself, or its part before a colon ("linkedin:company").
func platformOfName(name string) string {
	p, _, _ := strings.Cut(name, ":")
	if IsPlatform(p) {
		return p
	}
	return ""
}

func toInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return 0
}

func loadFreeze(cfg *Config, u cue.Value, at func(string) Position) Errors {
	f := u.LookupPath(cue.ParsePath("freeze"))
	if !f.Exists() {
		return nil
	}
	if b, err := f.Bool(); err == nil {
		cfg.Freeze.On = b
		return nil
	}
	var raw struct {
		On      bool   `json:"on"`
		Reason  string `json:"reason"`
		Windows []struct {
			From   string `json:"from"`
			Until  string `json:"until"`
			Reason string `json:"reason"`
		} `json:"windows"`
	}
	if err := f.Decode(&raw); err != nil {
		return Errors{Errorf(at("freeze"), "freeze", "%v", err)}
	}
	cfg.Freeze.On, cfg.Freeze.Reason = raw.On, raw.Reason
	var errs Errors
	loc := cfg.Timezone
	if loc == nil {
		loc = time.UTC
	}
	for i, w := range raw.Windows {
		win := Window{Reason: w.Reason}
		var bad bool
		for _, e := range []struct {
			key string
			s   string
			t   *time.Time
		}{{"from", w.From, &win.From}, {"until", w.Until, &win.Until}} {
			t, err := parseConfigTime(e.s, loc)
			if err != nil {
				path := fmt.Sprintf("freeze.windows[%d].%s", i, e.key)
				errs = append(errs, Errorf(at(path), fmt.Sprintf("freeze.windows.%d.%s", i, e.key),
					"invalid time %q: use RFC 3339 (2026-12-24T00:00:00Z), a date and time, or a date", e.s))
				bad = true
				continue
			}
			*e.t = t
		}
		if !bad && !win.Until.After(win.From) {
			errs = append(errs, Errorf(at(fmt.Sprintf("freeze.windows[%d]", i)), fmt.Sprintf("freeze.windows.%d", i),
				"the window ends before it starts"))
			continue
		}
		if !bad {
			cfg.Freeze.Windows = append(cfg.Freeze.Windows, win)
		}
	}
	return errs
}

// loadQueues reads the queues: their accounts must be configured, and
// their slots and exceptions are read as documented at ParseSlots and
// ParseException, each error at the entry's position.
func loadQueues(cfg *Config, u cue.Value, at func(string) Position, bad func(string) bool) Errors {
	qs := u.LookupPath(cue.ParsePath("queues"))
	if !qs.Exists() {
		return nil
	}
	iter, err := qs.Fields()
	if err != nil {
		return nil // reported by validation
	}
	zone := cfg.Timezone
	if zone == nil {
		zone = time.UTC
	}
	var errs Errors
	for iter.Next() {
		name := iter.Selector().Unquoted()
		field := "queues." + name
		if bad(field) {
			continue
		}
		var raw struct {
			Accounts []string `json:"accounts"`
			Slots    []string `json:"slots"`
			Except   []string `json:"except"`
		}
		path := func(parts ...cue.Selector) string {
			return cue.MakePath(append([]cue.Selector{cue.Str("queues"), cue.Str(name)}, parts...)...).String()
		}
		if err := iter.Value().Decode(&raw); err != nil {
			errs = append(errs, Errorf(at(path()), field, "queue: %v", err))
			continue
		}
		q := &Queue{Name: name, Zone: zone, Pos: at(path())}
		n := len(errs)
		for i, a := range raw.Accounts {
			if _, ok := cfg.Accounts[a]; !ok {
				errs = append(errs, Errorf(at(path(cue.Str("accounts"), cue.Index(i))), fmt.Sprintf("%s.accounts.%d", field, i),
					"no account %q among the accounts (%s)", a, strings.Join(sortedKeys(cfg.Accounts), ", ")))
				continue
			}
			if !slices.Contains(q.Accounts, a) {
				q.Accounts = append(q.Accounts, a)
			}
		}
		for i, s := range raw.Slots {
			ws, err := ParseSlots(s)
			if err != nil {
				errs = append(errs, Errorf(at(path(cue.Str("slots"), cue.Index(i))), fmt.Sprintf("%s.slots.%d", field, i), "%v", err))
				continue
			}
			q.Slots = append(q.Slots, ws...)
		}
		for i, s := range raw.Except {
			e, err := ParseException(s)
			if err != nil {
				errs = append(errs, Errorf(at(path(cue.Str("except"), cue.Index(i))), fmt.Sprintf("%s.except.%d", field, i), "%v", err))
				continue
			}
			q.Except = append(q.Except, e)
		}
		if len(errs) > n {
			continue
		}
		if cfg.Queues == nil {
			cfg.Queues = map[string]*Queue{}
		}
		cfg.Queues[name] = q
	}
	return errs
}

// parseConfigTime reads a time written in the configuration: RFC 3339, or a
// date and time or a date in loc.
func parseConfigTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("parse time %q", s)
}

// cuePos is the position of v in file, or the file's start when v has
// none there.
func cuePos(file string, v cue.Value) Position {
	if v.Exists() {
		if p := v.Pos(); p.IsValid() && p.Filename() == file {
			return Position{File: file, Line: p.Line(), Col: p.Column()}
		}
	}
	return Position{File: file, Line: 1, Col: 1}
}

// configErrors turns CUE errors about the configuration into Errors at
// positions in the configuration file: the error's own position when it is
// in that file, else the position of the value at the error's path.
func configErrors(err error, file string, raw, schema cue.Value) Errors {
	var errs Errors
	ces := cueerrors.Errors(err)
	if len(ces) == 0 {
		return Errors{plainError(err, file)}
	}
	set := newErrSet(ces)
	for i, e := range ces {
		if f, a := e.Msg(); strings.TrimSpace(fmt.Sprintf(f, a...)) == "" {
			errs = append(errs, plainError(e, file))
			continue
		}
		path := set.paths[i]
		pos := Position{File: file, Line: 1, Col: 1}
		found := false
		for _, p := range cueerrors.Positions(e) {
			if p.IsValid() && p.Filename() == file {
				pos = Position{File: file, Line: p.Line(), Col: p.Column()}
				found = true
				break
			}
		}
		if !found && raw.Exists() && len(e.Path()) > 0 {
			pos = cuePos(file, lookupLabels(raw, e.Path()))
		}
		msg := translate(e, errContext{path: path, siblings: set, actual: lookupLabels(raw, e.Path()), schema: schema})
		if msg == "" {
			continue
		}
		errs = append(errs, Errorf(pos, fieldOf(set, e, path, schema), "%s", msg))
	}
	return errs
}

// plainError positions an error that only says where it is in its text,
// as "file:line: message" (the YAML parser's errors).
func plainError(err error, file string) *Error {
	msg := err.Error()
	pos := Position{File: file, Line: 1, Col: 1}
	if m := linePrefix.FindStringSubmatch(msg); m != nil && m[1] == file {
		pos.Line, _ = strconv.Atoi(m[2])
		pos.Col = 0
		if m[3] != "" {
			pos.Col, _ = strconv.Atoi(m[3])
		}
		msg = m[4]
	}
	return Errorf(pos, "", "%s", msg)
}

var linePrefix = regexp.MustCompile(`^(.*?):(\d+)(?::(\d+))?: (.*)$`)

// lookupLabels finds the value at a CUE error's path.
func lookupLabels(v cue.Value, labels []string) cue.Value {
	if !v.Exists() {
		return v
	}
	for len(labels) > 0 && (labels[0] == "#Config" || labels[0] == "#Post") {
		labels = labels[1:]
	}
	sels := make([]cue.Selector, 0, len(labels))
	for _, l := range labels {
		sels = append(sels, labelSelector(l))
	}
	return v.LookupPath(cue.MakePath(sels...))
}

func labelSelector(l string) cue.Selector {
	if n, err := strconv.Atoi(l); err == nil && n >= 0 {
		return cue.Index(n)
	}
	if strings.HasPrefix(l, "#") {
		return cue.Def(l)
	}
	if uq, err := strconv.Unquote(l); err == nil {
		return cue.Str(uq)
	}
	return cue.Str(l)
}

// cuePath is an error's path as the dotted field path of Post.Positions:
// labels unquoted, definitions dropped.
func cuePath(labels []string) string {
	out := make([]string, 0, len(labels))
	for _, l := range labels {
		if strings.HasPrefix(l, "#") {
			continue
		}
		if uq, err := strconv.Unquote(l); err == nil {
			l = uq
		}
		out = append(out, l)
	}
	return strings.Join(out, ".")
}

// dedupe drops repeated findings and sorts them.
func dedupe(errs Errors) Errors {
	seen := map[string]bool{}
	out := errs[:0]
	for _, e := range errs {
		k := e.Error()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	out.Sort()
	return out
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
