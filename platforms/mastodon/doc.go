// Package mastodon is the adapter for Mastodon servers: statuses with an
// Idempotency-Key, threads as reply chains, media with alt text, edits,
// deletes, lookups of attempts whose outcome is unknown, and counts.
package mastodon
