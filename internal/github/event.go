package github

import (
	"encoding/json"
	"errors"
	"fmt"
)

// HeadSHA returns the head commit of the pull request an event is about:
// what check runs are attached to (GITHUB_SHA is the test merge commit).
func HeadSHA(event []byte) (string, error) {
	var ev struct {
		PullRequest *struct {
			Head struct {
				SHA string `json:"sha"`
			} `json:"head"`
		} `json:"pull_request"`
	}
	if err := json.Unmarshal(event, &ev); err != nil {
		return "", fmt.Errorf("parse event: %w", err)
	}
	if ev.PullRequest == nil || ev.PullRequest.Head.SHA == "" {
		return "", errors.New("the event names no pull request head commit")
	}
	return ev.PullRequest.Head.SHA, nil
}

// PullRequest returns the pull request number of an Actions event payload
// (the file GITHUB_EVENT_PATH names): pull_request and
// pull_request_target events carry it as number or pull_request.number.
func PullRequest(event []byte) (int, error) {
	var ev struct {
		Number      int `json:"number"`
		PullRequest *struct {
			Number int `json:"number"`
		} `json:"pull_request"`
	}
	if err := json.Unmarshal(event, &ev); err != nil {
		return 0, fmt.Errorf("parse event: %w", err)
	}
	if ev.PullRequest != nil && ev.PullRequest.Number > 0 {
		return ev.PullRequest.Number, nil
	}
	if ev.Number > 0 && ev.PullRequest != nil {
		return ev.Number, nil
	}
	return 0, errors.New("the event is not a pull request's (run on pull_request, or pass --pr)")
}
