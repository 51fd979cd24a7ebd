package ghost_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms/ghost"
)

// TestToken: the token Ghost's server accepts: HS256 over the
// hex-decoded secret, kid the key's ID, aud /admin/, five minutes.
func TestToken(t *testing.T) {
	key, err := ghost.ParseAdminKey(ghost.FakeAdminKey)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tok := key.Token(now)
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", tok)
	}
	var header, payload map[string]any
	for i, v := range []*map[string]any{&header, &payload} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, v) != nil {
			t.Fatalf("part %d of the token is not base64url JSON: %v", i, err)
		}
	}
	if header["alg"] != "HS256" || header["kid"] != "6650aa11bb22cc33dd44ee55" || header["typ"] != "JWT" {
		t.Errorf("header %v", header)
	}
	if payload["aud"] != "/admin/" || payload["iat"] != float64(now.Unix()) || payload["exp"] != float64(now.Add(5*time.Minute).Unix()) {
		t.Errorf("payload %v", payload)
	}
	c, err := ghost.VerifyToken(tok, key, now.Add(4*time.Minute))
	if err != nil || c.KeyID != key.ID {
		t.Fatalf("verify = %+v, %v", c, err)
	}
	if _, err := ghost.VerifyToken(tok, key, now.Add(5*time.Minute)); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("a token at its exp verified: %v", err)
	}
	other, _ := ghost.ParseAdminKey("6650aa11bb22cc33dd44ee55:" + strings.Repeat("00", 32))
	if _, err := ghost.VerifyToken(tok, other, now); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("a token signed with another secret verified: %v", err)
	}
	// The secret is hex-decoded: signing with its text would not verify.
	raw := ghost.AdminKey{ID: key.ID, Secret: []byte(strings.SplitN(ghost.FakeAdminKey, ":", 2)[1])}
	if _, err := ghost.VerifyToken(raw.Token(now), key, now); err == nil {
		t.Error("a token signed with the secret's hex text verified")
	}
}

// TestParseAdminKey: a malformed key is refused without quoting it.
func TestParseAdminKey(t *testing.T) {
	for _, bad := range []string{"", "no-colon", ":abcd", "id:", "id:not-hex-secret-zz"} {
		_, err := ghost.ParseAdminKey(bad)
		if err == nil {
			t.Errorf("ParseAdminKey(%q) accepted", bad)
			continue
		}
		if len(bad) > 4 && strings.Contains(err.Error(), bad) {
			t.Errorf("the error quotes the key: %v", err)
		}
	}
}
