package reconcile

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/heraldhq/herald/state"
)

// symbols mark the actions that change something, as Terraform marks
// resources.
var symbols = map[Kind]string{
	Create: "+", Retry: "+", Update: "~", Delete: "-", Resolve: "?", Move: ">",
}

// WriteText prints the plan for people: every post with something to say,
// grouped, each target on a line with its reason, then a one-line
// summary. Posts whose targets are all unchanged are counted, not listed.
func (p *Plan) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "herald plan at %s\n", p.Now.In(p.zone).Format("2006-01-02 15:04 MST"))
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if !p.Only.Empty() {
		fmt.Fprintf(&b, "targeted: %s (everything else is skipped and left as it is)\n", p.Only)
	}
	width := 0
	for _, a := range p.Actions {
		width = max(width, len(a.Target))
	}
	for i := 0; i < len(p.Actions); {
		j := i
		quiet := true
		for j < len(p.Actions) && p.Actions[j].Post == p.Actions[i].Post {
			if k := p.Actions[j].Kind; k != NoOp && !(k == Skipped && p.Actions[j].Would == NoOp) {
				quiet = false
			}
			j++
		}
		if !quiet {
			a := p.Actions[i]
			fmt.Fprintf(&b, "\n  # %s", a.Post)
			if a.File != "" {
				fmt.Fprintf(&b, " (%s)", a.File)
			}
			b.WriteString("\n")
			acts := p.Actions[i:j]
			for k := 0; k < len(acts); k++ {
				a := acts[k]
				if n := unchangedRun(acts[k:]); n >= foldOccurrences {
					// A recurring post's unchanged occurrences, one line.
					last := acts[k+n-1]
					label := fmt.Sprintf("%s#%d-%d", state.AccountOf(a.Target), a.Occurrence, last.Occurrence)
					fmt.Fprintf(&b, "    %-9s %-*s  occurrences %d to %d unchanged; the latest: %s\n", a.Kind, width,
						label, a.Occurrence, last.Occurrence, last.Reason)
					k += n - 1
					continue
				}
				sym := symbols[a.Kind]
				if sym == "" {
					sym = " "
				}
				reason := a.Reason
				if a.Variant != "" {
					reason = "variant " + a.Variant + ": " + reason
				}
				fmt.Fprintf(&b, "  %s %-9s %-*s  %s\n", sym, a.Kind, width, a.Target, reason)
			}
		}
		i = j
	}
	b.WriteString("\n")
	b.WriteString(p.SummaryLine())
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// foldOccurrences is how many unchanged occurrences of a recurring post
// on one account in a row the text plan prints as one line.
const foldOccurrences = 4

// unchangedRun is how many actions from the first of acts are unchanged
// occurrences of a recurring post on the same account, in a row.
func unchangedRun(acts []Action) int {
	if len(acts) == 0 || acts[0].Occurrence == 0 || acts[0].Kind != NoOp {
		return 0
	}
	account := state.AccountOf(acts[0].Target)
	n := 0
	for _, a := range acts {
		if a.Occurrence == 0 || a.Kind != NoOp || state.AccountOf(a.Target) != account {
			break
		}
		n++
	}
	return n
}

// SummaryLine is the plan in one line: what it changes, then why the rest
// is not acted on.
func (p *Plan) SummaryLine() string {
	s := p.Summary
	var b strings.Builder
	if p.Changes() == 0 {
		b.WriteString("No changes.")
	} else {
		fmt.Fprintf(&b, "Plan: %d to create, %d to update, %d to delete, %d to retry, %d to resolve, %d to move.",
			s[Create], s[Update], s[Delete], s[Retry], s[Resolve], s[Move])
	}
	var rest []string
	for _, k := range []Kind{Scheduled, Late, Frozen, Draft, Drift, Held, Kept} {
		if s[k] > 0 {
			rest = append(rest, fmt.Sprintf("%d %s", s[k], k))
		}
	}
	if s[NoOp] > 0 {
		rest = append(rest, fmt.Sprintf("%d unchanged", s[NoOp]))
	}
	if s[Skipped] > 0 {
		rest = append(rest, fmt.Sprintf("%d skipped (not targeted)", s[Skipped]))
	}
	if len(rest) > 0 {
		b.WriteString(" ")
		b.WriteString(strings.Join(rest, ", "))
		b.WriteString(".")
	}
	return b.String()
}

// jsonPlan is the documented, stable JSON form of a plan.
type jsonPlan struct {
	Now      string         `json:"now"`
	Notes    []string       `json:"notes,omitempty"`
	Targeted *jsonSelection `json:"targeted,omitempty"`
	Actions  []Action       `json:"actions"`
	Summary  map[string]int `json:"summary"`
}

// jsonSelection is a targeted plan's selection in its JSON form.
type jsonSelection struct {
	Posts     []string `json:"posts,omitempty"`
	Campaigns []string `json:"campaigns,omitempty"`
	Accounts  []string `json:"accounts,omitempty"`
}

// WriteJSON prints the plan as JSON: {"now","actions":[...],"summary":{...}},
// with every kind in the summary (zero when absent) and "changes", the
// number of actions that change something.
func (p *Plan) WriteJSON(w io.Writer) error {
	jp := jsonPlan{Now: p.Now.UTC().Format("2006-01-02T15:04:05Z07:00"), Notes: p.Notes, Actions: p.Actions, Summary: map[string]int{}}
	if jp.Actions == nil {
		jp.Actions = []Action{}
	}
	for _, k := range Kinds {
		jp.Summary[string(k)] = p.Summary[k]
	}
	if !p.Only.Empty() {
		// Only a targeted plan has skipped actions, and counts them.
		jp.Summary[string(Skipped)] = p.Summary[Skipped]
		jp.Targeted = &jsonSelection{Posts: p.Only.Posts, Campaigns: p.Only.Campaigns, Accounts: p.Only.Accounts}
	}
	jp.Summary["changes"] = p.Changes()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jp)
}
