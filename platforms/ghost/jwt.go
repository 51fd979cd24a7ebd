package ghost

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// TokenTTL is how long a signed Admin API token lives. Ghost refuses a
// token whose exp is more than five minutes after its iat.
const TokenTTL = 5 * time.Minute

// AdminKey is an Admin API key split into its two halves: the key's ID,
// sent as the token's kid, and the secret that signs it, hex-decoded.
type AdminKey struct {
	ID     string
	Secret []byte
}

// ParseAdminKey splits an Admin API key of the form {id}:{secret}, where
// the secret is hex. The error never quotes the key.
func ParseAdminKey(key string) (AdminKey, error) {
	id, secret, ok := strings.Cut(strings.TrimSpace(key), ":")
	if !ok || id == "" || secret == "" {
		return AdminKey{}, errors.New("the Admin API key is not of the form {id}:{secret}: copy it from Ghost Admin, Settings > Integrations, whole")
	}
	b, err := hex.DecodeString(secret)
	if err != nil || len(b) == 0 {
		return AdminKey{}, errors.New("the Admin API key's secret (after the colon) is not hex: copy the Admin API key, not the Content API key")
	}
	return AdminKey{ID: id, Secret: b}, nil
}

// Token signs a JWT for the Admin API, issued at now and valid for
// TokenTTL: HS256, header kid = the key's ID, audience "/admin/".
func (k AdminKey) Token(now time.Time) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT", "kid": k.ID})
	payload, _ := json.Marshal(map[string]any{"iat": now.Unix(), "exp": now.Add(TokenTTL).Unix(), "aud": "/admin/"})
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, k.Secret)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

// Claims are what VerifyToken read from a valid token.
type Claims struct {
	KeyID    string
	IssuedAt time.Time
	Expires  time.Time
	Audience string
}

// VerifyToken checks token as Ghost does: three parts, HS256, the kid of
// key, a valid signature, audience "/admin/", exp no more than five
// minutes after iat, and not expired at now. Its error says which check
// failed, in Ghost's words where it has them.
func VerifyToken(token string, key AdminKey, now time.Time) (Claims, error) {
	enc := base64.RawURLEncoding
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, errors.New("invalid token: not a JWT")
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	hb, err := enc.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &header) != nil {
		return Claims{}, errors.New("invalid token: unreadable header")
	}
	if header.Alg != "HS256" {
		return Claims{}, fmt.Errorf("invalid token: algorithm %q, want HS256", header.Alg)
	}
	if header.Kid != key.ID {
		return Claims{}, errors.New("unknown admin API key: the token's kid names no key")
	}
	mac := hmac.New(sha256.New, key.Secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := enc.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return Claims{}, errors.New("invalid token: invalid signature")
	}
	var payload struct {
		Iat *int64 `json:"iat"`
		Exp *int64 `json:"exp"`
		Aud string `json:"aud"`
	}
	pb, err := enc.DecodeString(parts[1])
	if err != nil || json.Unmarshal(pb, &payload) != nil {
		return Claims{}, errors.New("invalid token: unreadable payload")
	}
	if payload.Aud != "/admin/" {
		return Claims{}, fmt.Errorf("invalid token: jwt audience invalid. expected: /admin/, got %q", payload.Aud)
	}
	if payload.Iat == nil || payload.Exp == nil {
		return Claims{}, errors.New("invalid token: iat and exp are required")
	}
	c := Claims{KeyID: header.Kid, IssuedAt: time.Unix(*payload.Iat, 0), Expires: time.Unix(*payload.Exp, 0), Audience: payload.Aud}
	if c.Expires.Sub(c.IssuedAt) > TokenTTL {
		return Claims{}, errors.New("invalid token: maxAge exceeded (exp more than 5 minutes after iat)")
	}
	if !now.Before(c.Expires) {
		return Claims{}, errors.New("invalid token: jwt expired")
	}
	return c, nil
}
