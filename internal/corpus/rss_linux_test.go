package corpus

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestPeakRSS(t *testing.T) {
	const size = 96 << 20
	if err := ResetPeakRSS(); err != nil {
		t.Fatalf("ResetPeakRSS: %v", err)
	}
	before, err := PeakRSS()
	if err != nil {
		t.Fatalf("PeakRSS: %v", err)
	}
	buf := make([]byte, size)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	during, err := PeakRSS()
	if err != nil {
		t.Fatalf("PeakRSS: %v", err)
	}
	runtime.KeepAlive(buf)
	if grew := during - before; grew < size*3/4 {
		t.Errorf("peak grew by %.1f MB after touching %.1f MB", MB(grew), MB(size))
	}

	buf = nil
	runtime.GC()
	debug.FreeOSMemory()
	if err := ResetPeakRSS(); err != nil {
		t.Fatalf("ResetPeakRSS: %v", err)
	}
	after, err := PeakRSS()
	if err != nil {
		t.Fatalf("PeakRSS: %v", err)
	}
	if dropped := during - after; dropped < size/2 {
		t.Errorf("peak after reset is %.1f MB, only %.1f MB below the %.1f MB peak",
			MB(after), MB(dropped), MB(during))
	}
}
