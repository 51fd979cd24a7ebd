package calendar

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// parsedICS is what the strict checker read from a feed.
type parsedICS struct {
	props  map[string]string
	events []map[string]string
}

var (
	icsName     = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
	icsDateTime = regexp.MustCompile(`^\d{8}T\d{6}Z$`)
	// textProps are the properties whose values are TEXT (RFC 5545
	// section 3.3.11) in what herald writes.
	textProps = map[string]bool{"SUMMARY": true, "DESCRIPTION": true, "CATEGORIES": true, "X-WR-CALNAME": true}
)

// parseICS is a strict RFC 5545 reader for what herald writes: CRLF line
// ends only, physical lines of at most 75 octets that are whole UTF-8,
// continuation lines starting with a space, BEGIN/END nesting of one
// VCALENDAR holding VEVENTs, the required properties of each, UTC
// date-times, and TEXT values whose backslashes, semicolons and commas
// are escaped. TEXT values come back unescaped.
func parseICS(data []byte) (*parsedICS, error) {
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		return nil, fmt.Errorf("does not end with CRLF")
	}
	raw := strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")
	var lines []string
	for i, l := range raw {
		switch {
		case strings.ContainsAny(l, "\r\n"):
			return nil, fmt.Errorf("line %d: a bare CR or LF", i+1)
		case len(l) > 75:
			return nil, fmt.Errorf("line %d: %d octets, more than 75", i+1, len(l))
		case !utf8.ValidString(l):
			return nil, fmt.Errorf("line %d: not whole UTF-8 (a character split by folding?)", i+1)
		case strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t"):
			if len(lines) == 0 {
				return nil, fmt.Errorf("line %d: a continuation with nothing to continue", i+1)
			}
			lines[len(lines)-1] += l[1:]
		case l == "":
			return nil, fmt.Errorf("line %d: empty", i+1)
		default:
			lines = append(lines, l)
		}
	}
	cal := &parsedICS{}
	var stack []string
	var cur map[string]string
	for i, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok || !icsName.MatchString(name) {
			return nil, fmt.Errorf("content line %d: want NAME:value, got %q", i+1, l)
		}
		switch name {
		case "BEGIN":
			switch {
			case value == "VCALENDAR" && len(stack) == 0 && cal.props == nil:
				cal.props = map[string]string{}
				cur = cal.props
			case value == "VEVENT" && len(stack) == 1:
				cur = map[string]string{}
			default:
				return nil, fmt.Errorf("content line %d: BEGIN:%s inside %v", i+1, value, stack)
			}
			stack = append(stack, value)
			continue
		case "END":
			if len(stack) == 0 || stack[len(stack)-1] != value {
				return nil, fmt.Errorf("content line %d: END:%s closes %v", i+1, value, stack)
			}
			stack = stack[:len(stack)-1]
			if value == "VEVENT" {
				for _, req := range []string{"UID", "DTSTAMP", "DTSTART"} {
					if _, ok := cur[req]; !ok {
						return nil, fmt.Errorf("content line %d: VEVENT without %s", i+1, req)
					}
				}
				cal.events = append(cal.events, cur)
				cur = cal.props
			}
			continue
		}
		if len(stack) == 0 {
			return nil, fmt.Errorf("content line %d: %s outside VCALENDAR", i+1, name)
		}
		if _, dup := cur[name]; dup {
			return nil, fmt.Errorf("content line %d: %s twice in %s", i+1, name, stack[len(stack)-1])
		}
		if textProps[name] {
			v, err := unescapeText(value)
			if err != nil {
				return nil, fmt.Errorf("content line %d: %s: %w", i+1, name, err)
			}
			value = v
		}
		if (name == "DTSTAMP" || name == "DTSTART") && !icsDateTime.MatchString(value) {
			return nil, fmt.Errorf("content line %d: %s %q is not a UTC date-time", i+1, name, value)
		}
		cur[name] = value
	}
	if len(stack) != 0 || cal.props == nil {
		return nil, fmt.Errorf("unclosed or missing components: %v", stack)
	}
	if cal.props["VERSION"] != "2.0" || cal.props["PRODID"] == "" {
		return nil, fmt.Errorf("VCALENDAR wants VERSION:2.0 and a PRODID, got %q and %q", cal.props["VERSION"], cal.props["PRODID"])
	}
	uids := map[string]bool{}
	for _, ev := range cal.events {
		if uids[ev["UID"]] {
			return nil, fmt.Errorf("UID %s twice", ev["UID"])
		}
		uids[ev["UID"]] = true
	}
	return cal, nil
}

// unescapeText reads a TEXT value, refusing an unescaped ";" or "," and a
// backslash before anything but \ ; , n N.
func unescapeText(v string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case ';', ',':
			return "", fmt.Errorf("unescaped %q at %d", c, i)
		case '\\':
			if i+1 == len(v) {
				return "", fmt.Errorf("a lone backslash at the end")
			}
			i++
			switch v[i] {
			case '\\', ';', ',':
				b.WriteByte(v[i])
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				return "", fmt.Errorf("unknown escape \\%c", v[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// TestParseICSRejects shows the checker is strict: each broken feed is
// refused for its own reason.
func TestParseICSRejects(t *testing.T) {
	ok := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:20261201T000000Z\r\nSUMMARY:a\\, b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if _, err := parseICS([]byte(ok)); err != nil {
		t.Fatalf("a valid feed was refused: %v", err)
	}
	tests := []struct {
		name, feed, want string
	}{
		{"lf line ends", strings.ReplaceAll(ok, "\r\n", "\n"), "does not end with CRLF"},
		{"long line", strings.Replace(ok, "SUMMARY:a\\, b", "SUMMARY:"+strings.Repeat("a", 70), 1), "more than 75"},
		{"split character", strings.Replace(ok, "SUMMARY:a\\, b", "SUMMARY:\xc3\r\n \xa9", 1), "not whole UTF-8"},
		{"unescaped comma", strings.Replace(ok, "a\\, b", "a, b", 1), "unescaped ','"},
		{"unescaped semicolon", strings.Replace(ok, "a\\, b", "a; b", 1), "unescaped ';'"},
		{"bad escape", strings.Replace(ok, "a\\, b", "a\\t", 1), "unknown escape"},
		{"no uid", strings.Replace(ok, "UID:a\r\n", "", 1), "VEVENT without UID"},
		{"no dtstamp", strings.Replace(ok, "DTSTAMP:20261201T000000Z\r\n", "", 1), "VEVENT without DTSTAMP"},
		{"no prodid", strings.Replace(ok, "PRODID:-//x//EN\r\n", "", 1), "PRODID"},
		{"no version", strings.Replace(ok, "VERSION:2.0\r\n", "", 1), "VERSION"},
		{"bad nesting", strings.Replace(ok, "END:VEVENT\r\nEND:VCALENDAR", "END:VCALENDAR\r\nEND:VEVENT", 1), "closes"},
		{"local time", strings.Replace(ok, "DTSTART:20261201T000000Z", "DTSTART:20261201T000000", 1), "not a UTC date-time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseICS([]byte(tt.feed))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseICS = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestFoldAndEscape(t *testing.T) {
	tests := []struct {
		name, value string
	}{
		{"ascii", strings.Repeat("abcdefghij", 20)},
		{"two-byte", strings.Repeat("é", 100)},
		{"three-byte at the edge", "x" + strings.Repeat("—", 60)},
		{"four-byte", strings.Repeat("😀", 50)},
		{"specials", `a\b;c,d` + "\n" + "e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\n")
			writeFolded(&b, "X-WR-CALNAME:"+EscapeText(tt.value))
			b.WriteString("END:VCALENDAR\r\n")
			cal, err := parseICS([]byte(b.String()))
			if err != nil {
				t.Fatal(err)
			}
			if got := cal.props["X-WR-CALNAME"]; got != tt.value {
				t.Errorf("round trip = %q, want %q", got, tt.value)
			}
		})
	}
}
