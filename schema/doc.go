// Package schema is herald's content model: posts, their targets and media,
// the configuration of a content repository, the neutral form of a post's
// Markdown body, and validation of all of it against CUE schemas.
//
// It is a leaf: it reads files from an fs.FS and knows nothing of git, the
// network or any platform's API. Platforms render a Post into text and
// measure it; the measures come back here as Rendered values so that the
// limits, like every other rule, are decided by CUE.
package schema
