// Package gitfs reads a git commit's files as an fs.FS, so that herald
// plans and publishes what is committed, never what happens to be in the
// working tree; and it tells which files of the working tree differ from
// that commit, so that a command can say what it left out.
//
// The FS reads lazily: a directory is one tree object, decoded when first
// looked into and kept (trees are small), and a file's bytes are read from
// its blob only when the file is opened, or when its size is asked for.
// Stat and ReadDir read no blob, and a file's content ID (its blob hash)
// is known without reading it, which lets a cache keyed by content skip
// the read altogether. It never calls
// go-git's Tree.Files, which decodes every blob of a tree.
//
// Symbolic links are followed as os.Root follows them: a link that stays
// inside the tree is followed (at most 40 in one path), and one that
// leaves it, through ".." or an absolute target, is refused with the error
// os.Root gives, "path escapes from parent". ReadDir reports links as
// links, so fs.WalkDir does not follow a link to a directory.
//
// The repository is opened with its own object storage: a small object
// cache (go-git's default keeps up to 96 MiB of recently read objects),
// and blobs over 1 MiB streamed from disk rather than read into memory.
// go-git's storage is not safe for concurrent use, so every read of it
// takes the Repo's lock; reading a file's bytes once it is open does not.
package gitfs
