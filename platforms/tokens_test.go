package platforms_test

import (
	"errors"
	"fmt"
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

func TestSettingsIntIn(t *testing.T) {
	for name, tc := range map[string]struct {
		v       any
		want    int
		wantErr bool
	}{
		"unset":       {nil, 20, false},
		"int":         {50, 50, false},
		"int64":       {int64(7), 7, false},
		"uint64":      {uint64(100), 100, false},
		"whole float": {float64(5), 5, false},
		"fraction":    {2.5, 0, true},
		"below":       {0, 0, true},
		"above":       {101, 0, true},
		"string":      {"ten", 0, true},
	} {
		t.Run(name, func(t *testing.T) {
			s := platforms.Settings{Values: map[string]any{}}
			if tc.v != nil {
				s.Values["n"] = tc.v
			}
			got, err := s.IntIn("n", 1, 100, 20)
			if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
				t.Errorf("IntIn = %d, %v; want %d (error %v)", got, err, tc.want, tc.wantErr)
			}
			if err != nil && err.Error() != "setting n: "+fmt.Sprint(tc.v)+": want a whole number from 1 to 100" {
				t.Errorf("message %q", err)
			}
		})
	}
}
