package state

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"

	"github.com/heraldhq/herald/internal/httpx"
)

// Auth is how GitStore authenticates to its remote: one of HTTPToken,
// SSHKey or SSHAgent. The secrets it holds are given by the caller as
// values and never appear in an error or a log line.
type Auth interface {
	method() (transport.AuthMethod, error)
	secrets() []string
}

// HTTPToken is HTTP basic authentication with a token as the password, as
// GitHub Actions pushes with GITHUB_TOKEN.
type HTTPToken struct {
	// Username defaults to "x-access-token".
	Username string
	Token    string
}

func (a HTTPToken) method() (transport.AuthMethod, error) {
	if a.Token == "" {
		return nil, errors.New("http auth: empty token")
	}
	user := a.Username
	if user == "" {
		user = "x-access-token"
	}
	return &githttp.BasicAuth{Username: user, Password: a.Token}, nil
}

func (a HTTPToken) secrets() []string { return []string{a.Token} }

// SSHKey is SSH public-key authentication with a private key given either
// as PEM bytes or as a file.
type SSHKey struct {
	// User defaults to "git".
	User       string
	PEM        []byte
	File       string
	Passphrase string
	// KnownHosts are known_hosts files to check the server's key against.
	// Empty: the files named by SSH_KNOWN_HOSTS, else ~/.ssh/known_hosts.
	KnownHosts []string
}

func (a SSHKey) method() (transport.AuthMethod, error) {
	user := a.User
	if user == "" {
		user = "git"
	}
	var (
		keys *gitssh.PublicKeys
		err  error
	)
	switch {
	case len(a.PEM) > 0:
		keys, err = gitssh.NewPublicKeys(user, a.PEM, a.Passphrase)
	case a.File != "":
		keys, err = gitssh.NewPublicKeysFromFile(user, a.File, a.Passphrase)
	default:
		return nil, errors.New("ssh auth: no key given")
	}
	if err != nil {
		return nil, fmt.Errorf("ssh auth: read key: %w", err)
	}
	if err := setHostKeyCallback(&keys.HostKeyCallbackHelper, a.KnownHosts); err != nil {
		return nil, err
	}
	return keys, nil
}

func (a SSHKey) secrets() []string { return []string{string(a.PEM), a.Passphrase} }

// SSHAgent is SSH authentication through the running ssh-agent.
type SSHAgent struct {
	// User defaults to "git".
	User string
	// KnownHosts is as in SSHKey.
	KnownHosts []string
}

func (a SSHAgent) method() (transport.AuthMethod, error) {
	user := a.User
	if user == "" {
		user = "git"
	}
	cb, err := gitssh.NewSSHAgentAuth(user)
	if err != nil {
		return nil, fmt.Errorf("ssh auth: agent: %w", err)
	}
	if err := setHostKeyCallback(&cb.HostKeyCallbackHelper, a.KnownHosts); err != nil {
		return nil, err
	}
	return cb, nil
}

func (a SSHAgent) secrets() []string { return nil }

func setHostKeyCallback(h *gitssh.HostKeyCallbackHelper, files []string) error {
	if len(files) == 0 {
		return nil
	}
	cb, err := gitssh.NewKnownHostsCallback(files...)
	if err != nil {
		return fmt.Errorf("ssh auth: known hosts: %w", err)
	}
	h.HostKeyCallback = cb
	return nil
}

// redactor removes secrets from error messages: the values the caller gave
// and any password in a URL.
type redactor struct {
	secrets []string
}

var urlUserinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]*@`)

func (r redactor) string(s string) string {
	for _, sec := range r.secrets {
		// In every form a server may echo it: base64 in a Basic
		// header, another case, cut short.
		s = httpx.Scrub(s, sec, "[redacted]")
	}
	return urlUserinfo.ReplaceAllString(s, "${1}[redacted]@")
}

// error returns err with every secret removed from its message. The cause
// stays reachable with errors.Is and errors.As only when its own message
// holds no secret; the transport's authentication sentinels always do.
func (r redactor) error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := r.string(msg)
	if clean == msg {
		return err
	}
	re := &redactedError{msg: clean}
	for _, s := range []error{transport.ErrAuthenticationRequired,
		transport.ErrAuthorizationFailed, transport.ErrRepositoryNotFound, ErrPushRejected} {
		if errors.Is(err, s) {
			re.cause = s
			break
		}
	}
	return re
}

type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }
