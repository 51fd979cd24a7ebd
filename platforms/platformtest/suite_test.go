package platformtest_test

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
)

type testingTB = testing.TB

// notesHarness runs the suite against the notes adapter, broken as b says.
// The adapter is built through a registry, as the reconciler builds it.
func notesHarness(b broken) platformtest.Harness {
	return platformtest.Harness{
		New: func(t *testing.T, env platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			fake := newNotesFake(t)
			reg := platforms.NewRegistry(map[string]platforms.Constructor{
				"notes": func(s platforms.Settings) (platforms.Publisher, error) { return newNotes(s, b) },
			})
			pub, err := reg.New(platforms.Settings{
				Account: "main", Platform: "notes", BaseURL: fake.URL(),
				Values:     map[string]any{"token_env": "NOTES_TOKEN"},
				Getenv:     func(k string) string { return map[string]string{"NOTES_TOKEN": notesToken}[k] },
				HTTPClient: fake.Client(), Logger: env.Logger, Now: env.Now,
			})
			if err != nil {
				t.Fatal(err)
			}
			return pub, notesBackend{fake}
		},
		Capabilities: platforms.CapUpdate | platforms.CapDelete | platforms.CapFind | platforms.CapMetrics | platforms.CapResume,
		MaxParts:     25,
		MaxMedia:     4,
		Idempotent:   true,
	}
}

func TestNotesConformance(t *testing.T) {
	platformtest.Run(t, notesHarness(correct))
}

// brokenEnv tells a child test process which broken adapter to run the
// suite against.
const brokenEnv = "PLATFORMTEST_BROKEN_VARIANT"

// TestSuiteCatchesBrokenAdapters runs the suite against each broken
// variant in a child process (a real *testing.T whose failure does not
// fail this test) and requires that it fails, in exactly the checks that
// should catch the defect.
func TestSuiteCatchesBrokenAdapters(t *testing.T) {
	if v := os.Getenv(brokenEnv); v != "" {
		h := notesHarness(broken(v))
		if v == "declares_less" {
			h.Capabilities &^= platforms.CapMetrics
		}
		platformtest.Run(t, h)
		return
	}
	tests := []struct {
		variant  string
		wantFail []string
	}{
		{string(mangledText), []string{"publish", "thread", "thread_resume", "edit_thread_with_image"}},
		{string(unchainedThread), []string{"thread", "thread_resume"}},
		{string(droppedAlt), []string{"media", "edit_thread_with_image"}},
		{string(skipsMedia), []string{"media"}},
		{string(lostRetryAfter), []string{"rate_limited", "auth_rejected"}},
		{string(retriesAuth), []string{"auth_rejected"}},
		{string(freshKey), []string{"accept_then_timeout", "find", "find_busy", "thread_resume", "no_duplicate_after_fault", "no_duplicate_after_fault/accept_then_timeout"}},
		{string(timeoutNotSent), []string{"accept_then_timeout", "no_duplicate_after_fault", "no_duplicate_after_fault/accept_then_timeout"}},
		{string(blindFinder), []string{"accept_then_timeout", "find", "find_busy", "thread_resume"}},
		{string(restartsThread), []string{"thread_resume"}},
		{string(noopUpdate), []string{"update", "edit_thread_with_image"}},
		{string(editDropsMedia), []string{"edit_thread_with_image"}},
		{string(editsEverything), []string{"edit_thread_with_image"}},
		{string(noopDelete), []string{"delete"}},
		{string(ignores404), []string{"metrics"}},
		{"declares_less", []string{"capabilities"}},
		{string(wrongBasePath), nil}, // every check that sends a request
	}
	failLine := regexp.MustCompile(`(?m)^\s*--- FAIL: TestSuiteCatchesBrokenAdapters/(\S+)`)
	for _, tt := range tests {
		t.Run(tt.variant, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestSuiteCatchesBrokenAdapters$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenEnv+"="+tt.variant)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed adapter variant %s; output:\n%s", tt.variant, out)
			}
			var failed []string
			for _, m := range failLine.FindAllStringSubmatch(string(out), -1) {
				failed = append(failed, m[1])
			}
			slices.Sort(failed)
			if tt.wantFail == nil {
				if !slices.Contains(failed, "publish") || !slices.Contains(failed, "rate_limited") {
					t.Errorf("failed checks %v; want every request-sending check, including publish and rate_limited", failed)
				}
				return
			}
			want := slices.Clone(tt.wantFail)
			slices.Sort(want)
			if diff := cmp.Diff(want, failed); diff != "" {
				t.Errorf("failed checks (-want +got):\n%s\noutput:\n%s", diff, out)
			}
		})
	}
}

// TestLiveEnv: a live test runs only when every variable is set, and
// otherwise skips; the skip names the variables (see the -v output).
func TestLiveEnv(t *testing.T) {
	const a, b = "HERALD_PLATFORMTEST_LIVE_A", "HERALD_PLATFORMTEST_LIVE_B"
	skipped := false
	t.Run("one unset", func(t *testing.T) {
		t.Setenv(a, "set")
		defer func() { skipped = t.Skipped() }()
		platformtest.LiveEnv(t, a, b)
		t.Error("LiveEnv returned with a variable unset")
	})
	if !skipped {
		t.Error("LiveEnv did not skip with a variable unset")
	}
	t.Setenv(a, "url")
	t.Setenv(b, "token")
	if diff := cmp.Diff(map[string]string{a: "url", b: "token"}, platformtest.LiveEnv(t, a, b)); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}
