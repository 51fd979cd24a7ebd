package tokenstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/state"
)

// KeyEnv is the environment variable that holds the age identity tokens
// are encrypted to and decrypted with: a CI secret, never a file in the
// repository.
const KeyEnv = "HERALD_AGE_KEY"

// Dir is where the encrypted tokens live in the content repository, one
// file per account, committed with the state.
const Dir = ".herald/tokens"

// RecipientsFile lists, one age public key a line ("age1..."; blank
// lines and lines starting with # are ignored), the people who may also
// decrypt the tokens, so that a team member can inspect or rescue them
// with the age command line tool and their own key.
const RecipientsFile = Dir + "/recipients"

// ErrNoKey is what Save returns when KeyEnv is unset: a token that cannot
// be encrypted is not kept.
var ErrNoKey = errors.New("tokens cannot be kept without " + KeyEnv + ": run herald auth --new-key and store the key as a secret named " + KeyEnv)

// Stager is the part of state.Store the token store needs: every file it
// writes is staged so that it is committed with the run's results.
// state.Store satisfies it; its intent commits (RecordsOnly) leave staged
// files out, so a token never travels in an intent commit.
type Stager interface {
	PutFile(path string, data []byte, merge state.MergeFunc) error
}

var _ Stager = (state.Store)(nil)

// Options configure a Store.
type Options struct {
	// Root is the content repository's work tree.
	Root *os.Root
	// Stage receives every file written, for the next commit; nil only
	// writes the work tree.
	Stage Stager
	// Getenv reads KeyEnv.
	Getenv func(string) string
	// Logger defaults to a logger that discards.
	Logger *slog.Logger
}

// Store is the platforms.TokenStore herald runs with: each account's
// token, as JSON, encrypted with age to the identity in KeyEnv and to the
// recipients in RecipientsFile, at Path(account). The plaintext is never
// written to disk, logged, or put in an error.
type Store struct {
	root   *os.Root
	stage  Stager
	getenv func(string) string
	log    *slog.Logger

	mu sync.Mutex
}

var _ platforms.TokenStore = (*Store)(nil)

// New returns the token store of the repository at opts.Root. It reads
// no key yet: Load and Save do, so that a run without KeyEnv still works
// with the secrets in the environment.
func New(opts Options) *Store {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{root: opts.Root, stage: opts.Stage, getenv: opts.Getenv, log: log}
}

// Path is the file, relative to the repository root, that holds the
// token of account. Characters other than ASCII letters, digits, '-', '_'
// and '.' are percent-encoded, so "linkedin:company" is
// .herald/tokens/linkedin%3Acompany.age, a name every file system and git
// accept.
func Path(account string) string {
	return Dir + "/" + escape(account) + ".age"
}

func escape(account string) string {
	var b strings.Builder
	for i := 0; i < len(account); i++ {
		c := account[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_',
			c == '.' && i > 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// accountOf is the account whose token is in the file called name, the
// inverse of Path's encoding.
func accountOf(name string) (string, bool) {
	base, ok := strings.CutSuffix(name, ".age")
	if !ok || base == "" {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(base); i++ {
		if base[i] != '%' {
			b.WriteByte(base[i])
			continue
		}
		var c byte
		if i+2 >= len(base) {
			return "", false
		}
		if _, err := fmt.Sscanf(base[i+1:i+3], "%02X", &c); err != nil {
			return "", false
		}
		b.WriteByte(c)
		i += 2
	}
	return b.String(), true
}

// Identity parses the age identity in KeyEnv. ok is false when the
// variable is unset. The error never quotes the value.
func Identity(getenv func(string) string) (id *age.X25519Identity, ok bool, err error) {
	if getenv == nil {
		return nil, false, nil
	}
	v := strings.TrimSpace(getenv(KeyEnv))
	if v == "" {
		return nil, false, nil
	}
	id, err = age.ParseX25519Identity(v)
	if err != nil {
		// The parser's message may quote part of the key: leave it out.
		return nil, true, fmt.Errorf("%s does not hold an age identity (a line starting AGE-SECRET-KEY-1, as herald auth --new-key prints)", KeyEnv)
	}
	return id, true, nil
}

// identity is Identity for the store.
func (s *Store) identity() (*age.X25519Identity, bool, error) {
	return Identity(s.getenv)
}

// Load implements platforms.TokenStore. It returns platforms.ErrNoToken
// when the account has no file, and also when KeyEnv is unset, so that
// adapters fall back to the secrets in the environment.
func (s *Store) Load(ctx context.Context, account string) (*platforms.Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id, ok, err := s.identity()
	if err != nil {
		return nil, fmt.Errorf("load token of %s: %w", account, err)
	}
	if !ok {
		return nil, platforms.ErrNoToken
	}
	p := Path(account)
	data, err := s.root.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, platforms.ErrNoToken
	}
	if err != nil {
		return nil, fmt.Errorf("load token of %s: %w", account, err)
	}
	t, err := decrypt(data, id)
	if err != nil {
		return nil, fmt.Errorf("load token of %s: %s: %w", account, p, err)
	}
	return t, nil
}

// Save implements platforms.TokenStore: it encrypts t, writes it to the
// work tree (mode 0600, through a temporary file renamed into place) and
// stages it with a merge that keeps the newer token. Without KeyEnv it
// returns an error wrapping ErrNoKey.
func (s *Store) Save(ctx context.Context, account string, t *platforms.Token) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t == nil {
		return fmt.Errorf("save token of %s: no token", account)
	}
	id, ok, err := s.identity()
	if err != nil {
		return fmt.Errorf("save token of %s: %w", account, err)
	}
	if !ok {
		return fmt.Errorf("save token of %s: %w", account, ErrNoKey)
	}
	recipients, err := s.recipients(id)
	if err != nil {
		return fmt.Errorf("save token of %s: %w", account, err)
	}
	data, err := encrypt(t, recipients)
	if err != nil {
		return fmt.Errorf("save token of %s: %w", account, err)
	}
	p := Path(account)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := writeFile(s.root, p, data); err != nil {
		return fmt.Errorf("save token of %s: %w", account, err)
	}
	if s.stage != nil {
		if err := s.stage.PutFile(p, data, Merge(id)); err != nil {
			return fmt.Errorf("save token of %s: %w", account, err)
		}
	}
	s.log.InfoContext(ctx, "token saved", "account", account, "file", p, "expiry", t.Expiry)
	return nil
}

// recipients are the identity's own recipient and those of
// RecipientsFile.
func (s *Store) recipients(id *age.X25519Identity) ([]age.Recipient, error) {
	out := []age.Recipient{id.Recipient()}
	data, err := s.root.ReadFile(RecipientsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", RecipientsFile, err)
	}
	if len(bytes.TrimSpace(stripComments(data))) == 0 {
		return out, nil
	}
	more, err := age.ParseRecipients(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", RecipientsFile, err)
	}
	return append(out, more...), nil
}

func stripComments(data []byte) []byte {
	var out []byte
	for line := range bytes.Lines(data) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line...)
		}
	}
	return out
}

// encrypt is t as JSON, encrypted to recipients (binary age format).
func encrypt(t *platforms.Token, recipients []age.Recipient) ([]byte, error) {
	plain, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("encode token: %w", err)
	}
	defer clear(plain)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return nil, fmt.Errorf("encrypt token: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("encrypt token: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt token: %w", err)
	}
	return buf.Bytes(), nil
}

// decrypt reads a token file. Its errors say what is wrong without
// quoting the file or the key.
func decrypt(data []byte, id age.Identity) (*platforms.Token, error) {
	r, err := age.Decrypt(bytes.NewReader(data), id)
	var nomatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &nomatch):
		return nil, fmt.Errorf("%s cannot decrypt it: the file was encrypted to other keys (was %s changed? run herald auth again to replace the token)", KeyEnv, KeyEnv)
	case err != nil:
		return nil, fmt.Errorf("not an age file herald can read: %w", err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	defer clear(plain)
	var t platforms.Token
	if err := json.Unmarshal(plain, &t); err != nil {
		// json's messages can quote the input: say only where it broke.
		return nil, errors.New("the decrypted content is not a token")
	}
	return &t, nil
}

// writeFile writes data at p under root with mode 0600, through a
// temporary file beside it renamed into place, so that a crash leaves
// the old token or the new one, never half of one.
func writeFile(root *os.Root, p string, data []byte) error {
	if err := root.MkdirAll(path.Dir(p), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	tmp := p + ".herald-tmp"
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// A file left by an older run may have wider permissions.
		err = root.Chmod(tmp, 0o600)
	}
	if err == nil {
		err = root.Rename(tmp, p)
	}
	if err != nil {
		_ = root.Remove(tmp)
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

// Merge is the state.MergeFunc of token files: when two runs both saved
// an account's token, the one whose access token expires later is the
// newer, and wins; when either cannot be read or they expire together,
// ours wins (the token this run has just been given).
func Merge(id age.Identity) state.MergeFunc {
	return func(_, ours, theirs []byte) ([]byte, error) {
		if theirs == nil {
			return ours, nil
		}
		o, oerr := decrypt(ours, id)
		t, terr := decrypt(theirs, id)
		if oerr != nil || terr != nil {
			return ours, nil
		}
		if t.Expiry.After(o.Expiry) {
			return theirs, nil
		}
		return ours, nil
	}
}

// Status is what herald auth --status shows of one stored token: when it
// and its refresh token lapse, never the tokens.
type Status struct {
	Account string
	File    string
	// Expiry and RefreshExpiry are zero when the platform gave none.
	Expiry, RefreshExpiry time.Time
	// HasRefresh says whether a refresh token is kept.
	HasRefresh bool
	// Err is why the file could not be read (a wrong key).
	Err error
}

// List returns the status of every stored token, by account name. It
// needs KeyEnv, and returns an error wrapping ErrNoKey without it.
func (s *Store) List(ctx context.Context) ([]Status, error) {
	id, ok, err := s.identity()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNoKey
	}
	entries, err := fs.ReadDir(s.root.FS(), Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	var out []Status
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		account, ok := accountOf(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		st := Status{Account: account, File: Dir + "/" + e.Name()}
		data, err := s.root.ReadFile(st.File)
		if err == nil {
			var t *platforms.Token
			if t, err = decrypt(data, id); err == nil {
				st.Expiry, st.RefreshExpiry, st.HasRefresh = t.Expiry, t.RefreshExpiry, t.RefreshToken != ""
			}
		}
		st.Err = err
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b Status) int { return strings.Compare(a.Account, b.Account) })
	return out, nil
}

// NewKey makes a new age identity for KeyEnv, and returns it with its
// public key (the recipient), for herald auth --new-key.
func NewKey() (identity, recipient string, err error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", "", fmt.Errorf("generate key: %w", err)
	}
	return id.String(), id.Recipient().String(), nil
}

// Unkept is the token store of a run without KeyEnv: tokens live in
// memory for the run, and the first Save of each account logs a warning
// that the token will not be there next time.
type Unkept struct {
	platforms.MemTokens
	Logger *slog.Logger

	mu     sync.Mutex
	warned map[string]bool
}

var _ platforms.TokenStore = (*Unkept)(nil)

// Save implements platforms.TokenStore.
func (u *Unkept) Save(ctx context.Context, account string, t *platforms.Token) error {
	u.mu.Lock()
	if !u.warned[account] {
		if u.warned == nil {
			u.warned = map[string]bool{}
		}
		u.warned[account] = true
		if u.Logger != nil {
			u.Logger.WarnContext(ctx, "token not kept for the next run: "+KeyEnv+" is not set (see herald auth --new-key)", "account", account)
		}
	}
	u.mu.Unlock()
	return u.MemTokens.Save(ctx, account, t)
}
