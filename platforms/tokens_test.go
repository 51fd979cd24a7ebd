package platforms_test

import (
	"errors"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
)

func TestMemTokensAndValid(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	var m platforms.MemTokens
	if _, err := m.Load(t.Context(), "x"); !errors.Is(err, platforms.ErrNoToken) {
		t.Fatalf("empty store: %v, want ErrNoToken", err)
	}
	tok := &platforms.Token{AccessToken: "a", RefreshToken: "r", Expiry: now.Add(time.Hour)}
	if err := m.Save(t.Context(), "x", tok); err != nil {
		t.Fatal(err)
	}
	got, err := m.Load(t.Context(), "x")
	if err != nil || got.RefreshToken != "r" || m.Saves != 1 {
		t.Fatalf("load after save: %+v, %v, saves %d", got, err, m.Saves)
	}
	for name, tc := range map[string]struct {
		tok  *platforms.Token
		want bool
	}{
		"fresh":           {&platforms.Token{AccessToken: "a", Expiry: now.Add(time.Hour)}, true},
		"no expiry":       {&platforms.Token{AccessToken: "a"}, true},
		"about to lapse":  {&platforms.Token{AccessToken: "a", Expiry: now.Add(30 * time.Second)}, false},
		"expired":         {&platforms.Token{AccessToken: "a", Expiry: now.Add(-time.Hour)}, false},
		"no access token": {&platforms.Token{RefreshToken: "r"}, false},
		"nil":             {nil, false},
	} {
		t.Run(name, func(t *testing.T) {
			if got := tc.tok.Valid(now); got != tc.want {
				t.Errorf("Valid = %v, want %v", got, tc.want)
			}
		})
	}
}
