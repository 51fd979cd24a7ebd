package state

import "testing"

func TestAccountOf(t *testing.T) {
	for key, want := range map[string]string{
		"x": "x", "x#3": "x", "x~b": "x", "blog:en#12": "blog:en", "linkedin~headline-b": "linkedin",
	} {
		if got := AccountOf(key); got != want {
			t.Errorf("AccountOf(%q) = %q, want %q", key, got, want)
		}
	}
}
