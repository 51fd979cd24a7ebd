package corpus

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// childEnv makes the test binary act as a child for Measure: it touches
// the given number of mebibytes, prints "done", and exits with the code in
// childExitEnv.
const (
	childEnv     = "CORPUS_TEST_CHILD_MB"
	childExitEnv = "CORPUS_TEST_CHILD_EXIT"
)

func TestMain(m *testing.M) {
	if s := os.Getenv(childEnv); s != "" {
		os.Exit(child(s, os.Getenv(childExitEnv)))
	}
	os.Exit(m.Run())
}

var sink []byte

func child(mb, exit string) int {
	n, err := strconv.Atoi(mb)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 3
	}
	sink = make([]byte, n<<20)
	for i := 0; i < len(sink); i += 4096 {
		sink[i] = 1
	}
	fmt.Println("done")
	if exit != "" {
		fmt.Fprintln(os.Stderr, "child failed on purpose")
		code, _ := strconv.Atoi(exit)
		return code
	}
	return 0
}

func childCmd(t *testing.T, mb int, exit string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strconv.Itoa(mb), childExitEnv+"="+exit)
	return cmd
}

func TestMeasure(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("peak rss of a child is read on Linux only")
	}
	tests := []struct {
		name    string
		mb      int
		exit    string
		wantErr string
	}{
		{"small child", 8, "", ""},
		{"large child", 160, "", ""},
		{"failing child", 8, "4", "child failed on purpose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := childCmd(t, tt.mb, tt.exit)
			var out bytes.Buffer
			cmd.Stdout = &out
			u, err := Measure(cmd)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Measure: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Measure error = %v, want one containing %q", err, tt.wantErr)
			}
			if got := out.String(); got != "done\n" {
				t.Errorf("stdout = %q, want %q", got, "done\n")
			}
			if u.Wall <= 0 || u.CPU <= 0 {
				t.Errorf("Wall = %v, CPU = %v, want both > 0", u.Wall, u.CPU)
			}
			// The child's peak holds what it touched, plus a runtime and
			// a test binary (with the race detector's shadow memory,
			// several times that): enough to catch a wrong unit.
			if lo, hi := int64(tt.mb)<<20, int64(4*tt.mb+100)<<20; u.MaxRSS < lo || u.MaxRSS > hi {
				t.Errorf("MaxRSS = %.1f MB, want between %.1f and %.1f", MB(u.MaxRSS), MB(lo), MB(hi))
			}
		})
	}
}

func TestMB(t *testing.T) {
	tests := []struct {
		bytes int64
		want  float64
	}{
		{0, 0},
		{1_000_000, 1},
		{1 << 20, 1.048576},
		{150_000_000, 150},
	}
	for _, tt := range tests {
		t.Run(strconv.FormatInt(tt.bytes, 10), func(t *testing.T) {
			if got := MB(tt.bytes); got != tt.want {
				t.Errorf("MB(%d) = %v, want %v", tt.bytes, got, tt.want)
			}
		})
	}
}
