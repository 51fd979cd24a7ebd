// Package state records what herald published, in the content repository
// itself: git is herald's only memory.
//
// # Format
//
// Each post has one JSON file, its record, at .herald/state/<id>.json,
// where the post ID's slashes are directories: the post blog/launch is
// .herald/state/blog/launch.json. A post ID must be a clean relative path
// (no "..", no leading slash, no backslash), so that a record never lands
// outside .herald/state. A record looks like this:
//
//	{
//	  "file": "content/blog/launch.md",
//	  "hash": "9f2c...",
//	  "post": "blog/launch",
//	  "targets": {
//	    "bluesky": {
//	      "attempt": "blog/launch/bluesky/1",
//	      "attempts": 1,
//	      "first_published_at": "2026-12-01T14:00:03Z",
//	      "hash": "9f2c...",
//	      "ids": ["at://did:plc:abc/app.bsky.feed.post/3k"],
//	      "metrics": {"likes": 12, "synced_at": "2026-12-01T15:00:00Z"},
//	      "status": "published",
//	      "updated_at": "2026-12-01T14:00:03Z",
//	      "urls": ["https://bsky.app/profile/example.com/post/3k"]
//	    }
//	  },
//	  "version": 1
//	}
//
// The encoding is deterministic so that equal records are equal bytes and
// pull-request diffs are small: keys sorted, two-space indent, a trailing
// newline, times in RFC 3339 in UTC, and empty fields left out. A metric
// the platform does not give is absent, never 0. Decoding refuses unknown
// fields, an unknown status and a version other than Version, and its
// errors name the file.
//
// Status is per target: scheduled, publishing, published, failed, unknown,
// deleted, and deleted_remotely for a post that sync found gone from the
// platform although herald never deleted it.
//
// # Stores
//
// Store is the small interface plan, apply and sync use: Load, Walk, Put,
// Commit and Push. MemStore keeps records in memory for tests. GitStore
// keeps them in a git repository with go-git alone. It reads records from
// the branch's head commit and commits by building trees from the head's
// tree plus the record files, so a commit holds exactly the record files
// that changed and nothing else that happens to be staged. The index and
// the work tree are then updated for those paths only; GitStore never
// walks the work tree.
//
// Commits are made by a bot identity (default
// "herald <herald@users.noreply.github.com>") with the message
// "herald: <summary> [skip ci]" and a body with one line per post changed,
// naming each target that changed and its new status, then one line
// "- file <path>" per other file the commit writes.
//
// # Files outside the state
//
// Adapters that publish into the repository (the feed's files) and,
// later, encrypted tokens must be committed with the state that describes
// them, or a CI runner loses them when it ends. PutFile stages such a file
// for the next Commit, with an optional MergeFunc. A commit keeps each
// file's base (what it replaced), as it does for records, so a replay on
// the remote's head takes ours when only ours changed the file, theirs
// when only theirs did, and otherwise calls the MergeFunc with base, ours
// and theirs (ours wins without one). A merge error fails the push and
// keeps the local commit. CommitInfo.RecordsOnly leaves staged files for a
// later commit: apply commits them with its results, never with its
// intents. Paths are relative, clean, outside .git and outside
// .herald/state. Files are never deleted this way.
//
// # Concurrent runs and the merge rule
//
// Push never forces. When the remote branch has moved (another herald run,
// or a person, pushed first), Push fetches the remote head and makes each
// of its unpushed commits again on top of it: the same record files, with
// the same summary and time, each merged with the version on the remote
// head. Then it pushes again, at most MaxPushAttempts times (default 5).
// History stays linear and the other side's commits stay ancestors.
//
// The merge rule, per post file, is three-way: each unpushed commit
// remembers the record it replaced (its base), so a replay knows what each
// side changed:
//   - a file only one side wrote is taken as it is, so runs that touch
//     different posts both land unchanged;
//   - for a file both sides wrote, each target is merged on its own: a
//     target only one side changed takes that side's entry;
//   - a target both sides changed in the same attempt (same attempt key)
//     takes the entry further along (publishing before an outcome), then
//     the later updated_at, then ours; two intents to send one attempt
//     again, from different runs, take theirs;
//   - a target both sides changed in different attempts takes the side
//     that started a new attempt when only one did, and theirs when both
//     did: the intent that reached the remote first wins, because its run
//     may already be publishing. The other run finds its intent gone when
//     it reads the record back after pushing, and must not publish;
//   - metrics go with the later sync time, whichever entry wins;
//   - the post-level fields (file, hash) come from ours when ours changed
//     them, else from theirs.
//
// A retracted post is recorded with status deleted, never by removing its
// target. Every writer sets updated_at on each target entry it changes.
//
// A file outside .herald/state that the remote changed and that has local
// changes in the work tree makes Push stop before anything is overwritten,
// and so does a remote branch that does not contain the commit the local
// state commits were made on (local commits herald did not make, or a
// rewritten remote).
//
// # Crash safety
//
// A kill (SIGKILL, an out-of-memory kill, a runner torn down) can land at
// any instruction. go-git writes refs, the index, packed-refs, config and
// shallow in place, so GitStore opens the repository through dotGitFS:
// every file under .git is replaced as git replaces it, new content in
// "<file>.lock" (taken exclusively, so git and herald exclude each other),
// synced, then renamed over the file; a kill leaves the old or the new
// version. The lock is a hard link of a file in .git/herald/tmp, which
// proves it herald's: the next OpenGit, once it holds herald's run lock
// (.git/herald/run) alone, removes such locks and temporary files. Objects
// and packs go-git already writes to a temporary file and renames.
//
// Work tree files are renamed into place too, and a branch move (Commit,
// and a re-apply in Push) is journalled in .git/herald/checkout, so that
// OpenGit finishes or undoes a move a kill cut between its first file and
// the branch. Each branch and remote-tracking move is appended to the
// reflog (.git/logs), as git does.
//
// OpenGit also repairs what an older version or another tool left torn
// (OpenGit's checks): a remote-tracking ref is deleted (the next fetch
// restores it), a branch is set from its reflog or its remote-tracking
// ref when the commit is complete and the index agrees with it, the index
// is rebuilt from HEAD's tree, packed-refs loses a partial last line, HEAD
// points at the only branch. What it cannot prove stops it with the file
// and the command that repairs it. Each repair is logged.
//
// State commits an earlier run made and never pushed are adopted as
// pending, so a kill between a commit and its push, or a failed push,
// never leaves the branch unpushable.
//
// # Shallow clones and repositories without a remote
//
// In a shallow clone (actions/checkout's depth 1) Push fetches with a
// depth, so that the server knows where the clone's history is cut, and
// deepens step by step until it proves the remote's head descends from
// the commit the local state commits were made on; a remote that was
// rewritten is refused. A repository without the remote works for
// everything but Push (and OpenGit with RequireRemote), whose error says
// how to add one.
//
// # Secrets
//
// Credentials (an HTTP token, an SSH key and its passphrase) are given as
// values. They are removed from every error the store returns, as is any
// password in a remote URL.
package state
