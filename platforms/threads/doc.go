// Package threads is the Threads (Meta Threads API, graph.threads.net)
// adapter: it publishes posts and threads (reply chains) with images or a
// carousel fetched by Meta from a public URL, deletes them, reads their
// insights, and looks up an attempt whose outcome is unknown among the
// account's recent posts. Fake is its contract fake.
package threads
