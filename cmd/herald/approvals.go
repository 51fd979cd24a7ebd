package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	ghub "github.com/heraldhq/herald/internal/github"
	"github.com/heraldhq/herald/state"
)

// approval is where one account stands on a pull request: an account
// that names approvers needs an approval from one of them before a
// changed post to it may be merged. CODEOWNERS cannot say this, since
// one file can go to several accounts.
type approval struct {
	account   string
	approvers []string // as configured: @user or @org/team
	by        []string // who approved, of those
	problems  []string // what could not be read (a team's members)
}

func (a approval) ok() bool { return len(a.by) > 0 }

// reviewReader reads a pull request's approvals and teams' members.
type reviewReader interface {
	Approvals(ctx context.Context, pr int) (map[string]bool, error)
	TeamMembers(ctx context.Context, org, slug string) ([]string, error)
}

// approvalsFor says, for every account with approvers that a post of the
// pull request targets (actions of the posts in mine), whether one of
// its approvers approved.
func approvalsFor(ctx context.Context, pl *planned, mine map[string]bool, r reviewReader, pr int) ([]approval, error) {
	accounts := map[string]bool{}
	for _, a := range pl.plan.Actions {
		if !mine[a.Post] {
			continue
		}
		// A recurring post's occurrences ("x#3") go to their account.
		account := state.AccountOf(a.Target)
		if acct := pl.repo.Config.Accounts[account]; acct != nil && len(acct.Approvers) > 0 {
			accounts[account] = true
		}
	}
	if len(accounts) == 0 {
		return nil, nil
	}
	approved, err := r.Approvals(ctx, pr)
	if err != nil {
		return nil, err
	}
	teams := map[string][]string{}
	teamErr := map[string]error{}
	var out []approval
	for _, name := range sortedSet(accounts) {
		ap := approval{account: name, approvers: pl.repo.Config.Accounts[name].Approvers}
		for _, who := range ap.approvers {
			who = strings.TrimPrefix(who, "@")
			org, slug, isTeam := strings.Cut(who, "/")
			if !isTeam {
				if approved[strings.ToLower(who)] {
					ap.by = append(ap.by, "@"+who)
				}
				continue
			}
			if _, done := teams[who]; !done && teamErr[who] == nil {
				teams[who], teamErr[who] = r.TeamMembers(ctx, org, slug)
			}
			if err := teamErr[who]; err != nil {
				if !errors.Is(err, ghub.ErrTeamUnreadable) {
					return nil, err
				}
				ap.problems = append(ap.problems, err.Error())
				continue
			}
			for _, m := range teams[who] {
				if approved[m] {
					ap.by = append(ap.by, "@"+m+" (@"+who+")")
				}
			}
		}
		slices.Sort(ap.by)
		ap.by = slices.Compact(ap.by)
		out = append(out, ap)
	}
	return out, nil
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// approvalLines are the comment's lines on approvals.
func approvalLines(aps []approval) []string {
	var out []string
	for _, a := range aps {
		if a.ok() {
			out = append(out, fmt.Sprintf("**%s**: approved by %s.", a.account, strings.Join(a.by, ", ")))
			continue
		}
		line := fmt.Sprintf("**%s**: waiting for an approval from %s.", a.account, orList(a.approvers))
		if len(a.problems) > 0 {
			line += " " + strings.Join(a.problems, "; ") + "."
		}
		out = append(out, line)
	}
	return out
}

// missingApprovals is the check's title when an account waits for its
// approvers, or "".
func missingApprovals(aps []approval) string {
	var parts []string
	for _, a := range aps {
		if !a.ok() {
			parts = append(parts, fmt.Sprintf("%s (%s)", a.account, orList(a.approvers)))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "Waiting for approval: " + strings.Join(parts, "; ")
}
