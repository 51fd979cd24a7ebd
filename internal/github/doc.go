// Package github is herald's reporting to GitHub: the sticky plan comment
// on a pull request (found by a hidden marker, edited in place, never
// duplicated), folding a comment under GitHub's size limit, reading the
// pull request from the Actions event, and writing the step summary and
// step outputs files. It talks to the REST API through go-github, against
// a base URL the caller gives, so that tests point it at Fake.
package github
