package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// FileError is a record file that could not be read or written, so that
// the message always names the file a human has to look at.
type FileError struct {
	File string
	Err  error
}

// Error formats as "<file>: <cause>".
func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }

// Encode returns the bytes of a record file. The encoding is deterministic,
// so that equal records are equal files and pull-request diffs are small:
// keys sorted, 2-space indent, a trailing newline, times in RFC 3339 UTC,
// empty fields left out. Version is always written as the current Version.
func Encode(r *Record) ([]byte, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	n := normalize(r)
	n.Version = Version
	// encoding/json writes struct fields in declaration order and map keys
	// sorted; going through a generic value sorts every key.
	first, err := marshal(n)
	if err != nil {
		return nil, fmt.Errorf("encode state %s: %w", r.Post, err)
	}
	dec := json.NewDecoder(bytes.NewReader(first))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, fmt.Errorf("encode state %s: %w", r.Post, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(generic); err != nil {
		return nil, fmt.Errorf("encode state %s: %w", r.Post, err)
	}
	return buf.Bytes(), nil
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decode parses a record file. name is the file's path, for messages. It
// refuses unknown fields, another format version, an invalid post ID and
// an unknown status, so that a hand-edited or newer file is never
// misread as something herald may act on.
func Decode(name string, data []byte) (*Record, error) {
	fail := func(err error) (*Record, error) {
		return nil, &FileError{File: name, Err: fmt.Errorf("decode state: %w", err)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Record
	if err := dec.Decode(&r); err != nil {
		return fail(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fail(errors.New("data after the record"))
	}
	if r.Version != Version {
		return fail(fmt.Errorf("unsupported version %d (this herald reads version %d)", r.Version, Version))
	}
	if err := r.validate(); err != nil {
		return fail(err)
	}
	normalizeInPlace(&r)
	return &r, nil
}

// validate checks what Encode and Decode both require.
func (r *Record) validate() error {
	if r == nil {
		return errors.New("nil record")
	}
	if err := ValidateID(r.Post); err != nil {
		return err
	}
	for name, ts := range r.Targets {
		if name == "" {
			return fmt.Errorf("post %s: empty target name", r.Post)
		}
		if !ts.Status.Valid() {
			return fmt.Errorf("post %s: target %q: invalid status %q", r.Post, name, ts.Status)
		}
		if ts.Attempts < 0 {
			return fmt.Errorf("post %s: target %q: negative attempts", r.Post, name)
		}
	}
	return nil
}

// normalize returns a deep copy with times in UTC and empty values nil, so
// that a decoded record and the record that was encoded compare equal.
func normalize(r *Record) *Record {
	c := r.Clone()
	normalizeInPlace(c)
	return c
}

// normalizeInPlace is normalize on a record nobody else holds, such as
// one just decoded.
func normalizeInPlace(c *Record) {
	if len(c.Targets) == 0 {
		c.Targets = nil
	}
	for name, ts := range c.Targets {
		for _, t := range []*time.Time{&ts.FirstPublishedAt, &ts.UpdatedAt,
			&ts.LastAttemptAt, &ts.NextRetryAt, &ts.Slot} {
			*t = utc(*t)
		}
		if len(ts.IDs) == 0 {
			ts.IDs = nil
		}
		if len(ts.URLs) == 0 {
			ts.URLs = nil
		}
		if len(ts.Extra) == 0 {
			ts.Extra = nil
		}
		if ts.LastError != nil && *ts.LastError == (Error{}) {
			ts.LastError = nil
		}
		if m := ts.Metrics; m != nil {
			m.SyncedAt = utc(m.SyncedAt)
			if *m == (Metrics{}) {
				ts.Metrics = nil
			}
		}
		c.Targets[name] = ts
	}
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}
