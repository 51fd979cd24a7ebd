package calendar

import (
	"bytes"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/golden"
)

func TestReport(t *testing.T) {
	tests := []struct {
		name   string
		since  time.Time
		format string
	}{
		{"all", time.Time{}, "table"},
		{"since", at("2026-12-02T00:00:00Z"), "table"},
		{"none", at("2027-01-01T00:00:00Z"), "table"},
		{"all", time.Time{}, "csv"},
		{"all", time.Time{}, "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"-"+tt.format, func(t *testing.T) {
			r := BuildReport(fixture(), tt.since)
			var b bytes.Buffer
			var err error
			switch tt.format {
			case "table":
				err = r.WriteTable(&b)
			case "csv":
				err = r.WriteCSV(&b)
			case "json":
				err = r.WriteJSON(&b)
			}
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "report-"+tt.name+"."+tt.format, b.Bytes())
		})
	}
}

func TestTotalsAbsentIsNotZero(t *testing.T) {
	var tot Totals
	tot.Add(nil)
	if _, ok := tot.Interactions(); ok {
		t.Errorf("no metrics gave interactions")
	}
	tot.Add(&stateMetricsZeroLikes)
	if v, ok := tot.Interactions(); !ok || v != 0 {
		t.Errorf("a zero like count = %d, %v; want 0, true", v, ok)
	}
	if got := tot.cells(Absent); got[0] != "0" || got[1] != Absent {
		t.Errorf("cells = %q, want likes 0 and reposts absent", got)
	}
}
