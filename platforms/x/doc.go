// Package x is the X (API v2) adapter: it publishes posts and threads with
// images and alt text, edits them within X's window, deletes them, reads
// their public metrics, and looks up an attempt whose outcome is unknown
// among the account's recent posts. Fake is its contract fake.
package x
