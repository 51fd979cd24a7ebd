package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// env is what every command receives instead of the os package's globals:
// the streams, the environment, the clock and the logger run chose.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time
	log    *slog.Logger
}

// runFunc runs a command once its flags are parsed. args are the
// positional arguments, flags removed.
type runFunc func(ctx context.Context, e *env, args []string) error

// command is one subcommand. A new command is one entry in commands: its
// setup registers its flags on fs and returns the function that runs it,
// which sees the parsed flag values through its closure.
type command struct {
	name    string
	args    string // synopsis after the name, e.g. "[flags] [DIR]"
	summary string // one line for "herald help"
	help    string // paragraphs for "herald help <name>"; may be empty
	setup   func(fs *flag.FlagSet) runFunc
}

// commands lists every subcommand, in the order "herald help" shows them.
// It is a function, not a variable, so that help can list the table it is
// part of.
func commands() []*command {
	return []*command{
		demoCommand(),
		initCommand(),
		newCommand(),
		validateCommand(),
		previewCommand(),
		schemaCommand(),
		planCommand(),
		applyCommand(),
		syncCommand(),
		serveCommand(),
		statusCommand(),
		calendarCommand(),
		reportCommand(),
		resolveCommand(),
		authCommand(),
		versionCommand(),
		completionCommand(),
		helpCommand(),
	}
}

// lookup returns the command called name, or nil.
func lookup(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// usageError is a mistake in how herald was called. It exits with status 2
// and a hint on where to read the usage.
type usageError struct {
	msg  string
	hint string // replaces the default hint, `run "herald <cmd> -h" for usage`
}

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitError lets a command choose its exit status (plan's
// --detailed-exitcode exits 2 when there is something to do). A nil err
// prints nothing.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// globalFlags are the flags that come before the command name.
type globalFlags struct {
	logFormat string
	logLevel  slog.Level
}

func (g *globalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.logFormat, "log-format", "text", "log `format`: text or json")
	fs.TextVar(&g.logLevel, "log-level", slog.LevelInfo, "log `level`: debug, info, warn or error")
}

// run is herald's whole program: main gives it the process's arguments
// (without the program name), streams and environment, and exits with the
// status it returns: 0 done, 1 failed, 2 called wrongly (or what a command
// chose with exitError).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	var g globalFlags
	fs := flag.NewFlagSet("herald", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	g.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout)
			return 0
		}
		fmt.Fprintln(stderr, `run "herald help" for usage`)
		return 2
	}
	args = fs.Args()
	if len(args) == 0 {
		printUsage(stderr)
		return 2
	}

	now, err := clock(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "herald: %v\n", err)
		return 2
	}
	log, err := newLogger(stderr, g.logFormat, g.logLevel, now)
	if err != nil {
		fmt.Fprintf(stderr, "herald: %v\n", err)
		fmt.Fprintln(stderr, `run "herald help" for usage`)
		return 2
	}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, now: now, log: log}

	name := args[0]
	cmd := lookup(name)
	if cmd == nil {
		fmt.Fprintf(stderr, "herald: unknown command %q\n", name)
		fmt.Fprintln(stderr, `run "herald help" for the list of commands`)
		return 2
	}
	return runCommand(ctx, e, cmd, args[1:])
}

// runCommand parses cmd's flags, runs it and turns its error into an exit
// status, printing the error once.
func runCommand(ctx context.Context, e *env, cmd *command, args []string) int {
	fs := newFlagSet(cmd, e.stderr)
	runCmd := cmd.setup(fs)
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printCommandUsage(e.stdout, cmd, fs)
		return 0
	}
	hint := fmt.Sprintf(`run "herald %s -h" for usage`, cmd.name)
	if err != nil {
		// The flag package has printed what was wrong.
		fmt.Fprintln(e.stderr, hint)
		return 2
	}

	err = runCmd(ctx, e, pos)
	var uerr *usageError
	var xerr *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &uerr):
		fmt.Fprintf(e.stderr, "herald %s: %v\n", cmd.name, err)
		if uerr.hint != "" {
			hint = uerr.hint
		}
		fmt.Fprintln(e.stderr, hint)
		return 2
	case errors.As(err, &xerr):
		if xerr.err != nil {
			fmt.Fprintf(e.stderr, "herald %s: %v\n", cmd.name, xerr.err)
		}
		return xerr.code
	case ctx.Err() != nil:
		// Interrupted: what the command did is recorded (apply and sync
		// commit their results before returning); say so, with what
		// else failed, and exit as a shell reports the signal.
		if errors.Is(err, ctx.Err()) {
			fmt.Fprintf(e.stderr, "herald %s: interrupted\n", cmd.name)
		} else {
			fmt.Fprintf(e.stderr, "herald %s: interrupted: %v\n", cmd.name, err)
		}
		return interruptStatus(ctx)
	default:
		fmt.Fprintf(e.stderr, "herald %s: %v\n", cmd.name, err)
		return 1
	}
}

// newFlagSet returns an empty flag set for cmd that reports errors on
// stderr and leaves usage printing to runCommand.
func newFlagSet(cmd *command, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("herald "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	return fs
}

// parseInterspersed parses flags wherever they are among the positional
// arguments ("herald new "Title" --to x"), which the flag package alone
// does not. Everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// clock returns the current-time function: HERALD_NOW (RFC 3339) when set,
// a testing aid for deterministic output, else the system clock.
func clock(getenv func(string) string) (func() time.Time, error) {
	s := getenv("HERALD_NOW")
	if s == "" {
		return time.Now, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, fmt.Errorf("HERALD_NOW: want an RFC 3339 time like 2026-12-01T09:00:00Z, got %q", s)
	}
	return func() time.Time { return t }, nil
}

// newLogger builds the logger every command logs through. Records carry
// the time of now, so that HERALD_NOW makes logs deterministic too.
func newLogger(w io.Writer, format string, level slog.Level, now func() time.Time) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Time(slog.TimeKey, now())
			}
			return a
		},
	}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("--log-format: want text or json, got %q", format)
	}
}

// printUsage prints herald's overall usage: the commands and global flags.
func printUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("herald publishes Markdown posts from a Git repository to social networks and blogs.\n\n")
	b.WriteString("Usage:\n\n\therald [global flags] <command> [flags] [args]\n\nCommands:\n\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "\t%-10s %s\n", c.name, c.summary)
	}
	b.WriteString("\nGlobal flags:\n\n")
	fs := flag.NewFlagSet("herald", flag.ContinueOnError)
	var g globalFlags
	g.register(fs)
	fs.SetOutput(&b)
	fs.PrintDefaults()
	b.WriteString("\nRun \"herald help <command>\" for a command's flags and arguments.\n")
	io.WriteString(w, b.String())
}

// printCommandUsage prints one command's synopsis, help and flags.
func printCommandUsage(w io.Writer, cmd *command, fs *flag.FlagSet) {
	var b strings.Builder
	synopsis := strings.TrimSpace("herald " + cmd.name + " " + cmd.args)
	fmt.Fprintf(&b, "Usage: %s\n\n%s\n", synopsis, capitalize(cmd.summary)+".")
	if cmd.help != "" {
		fmt.Fprintf(&b, "\n%s\n", strings.TrimSpace(cmd.help))
	}
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		b.WriteString("\nFlags:\n\n")
		out := fs.Output()
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(out)
	}
	io.WriteString(w, b.String())
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// helpCommand is "herald help [command]".
func helpCommand() *command {
	return &command{
		name:    "help",
		args:    "[command]",
		summary: "show herald's usage, or a command's",
		setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, e *env, args []string) error {
				switch len(args) {
				case 0:
					printUsage(e.stdout)
					return nil
				case 1:
					cmd := lookup(args[0])
					if cmd == nil {
						return &usageError{
							msg:  fmt.Sprintf("unknown command %q", args[0]),
							hint: `run "herald help" for the list of commands`,
						}
					}
					cfs := newFlagSet(cmd, e.stderr)
					cmd.setup(cfs)
					printCommandUsage(e.stdout, cmd, cfs)
					return nil
				default:
					return usagef("want at most one command name, got %d arguments", len(args))
				}
			}
		},
	}
}
