package schema

import "time"

// Summary is what planning needs to know of a post, small enough to keep
// for every post of a large repository and to cache between runs: the
// post's identity, schedule and, per target, the hash of exactly what that
// target would receive.
type Summary struct {
	ID          string     `json:"id"`
	File        string     `json:"file"`
	Hash        string     `json:"hash"`
	PublishAt   *time.Time `json:"publish_at,omitempty"`
	PublishNext bool       `json:"publish_next,omitempty"`
	// Queue is the queue whose slot a PublishNext post takes; empty when
	// no queue is configured.
	Queue    string          `json:"queue,omitempty"`
	Draft    bool            `json:"draft,omitempty"`
	Delete   bool            `json:"delete,omitempty"`
	Campaign string          `json:"campaign,omitempty"`
	Title    string          `json:"title,omitempty"`
	Targets  []TargetSummary `json:"targets,omitempty"`
	// Repeat is a recurring post's series; nil for a post published once.
	Repeat *Repeat `json:"repeat,omitempty"`
	// IDPos is where the post's identity is written: its id key, or the
	// file's first line. Duplicate IDs are reported there.
	IDPos Position `json:"id_pos"`
}

// TargetSummary is one target of a post and the hash of its rendered
// payload: equal hashes mean the platform would receive the same thing.
type TargetSummary struct {
	Name     string `json:"name"`
	Platform string `json:"platform"`
	Hash     string `json:"hash"`
	// After lists the targets of the post this one waits for (Wait.After).
	After []string `json:"after,omitempty"`
	// URLs lists the targets whose published URL this one receives, in
	// its text or as a blog copy's canonical_url. Hash is then the hash
	// with stand-ins for those URLs; what was published is Hash with the
	// URLs recorded in state (reconcile.FilledHash).
	URLs []string `json:"urls,omitempty"`
	// Variant names the variant the target sends (schema.BaseVariant
	// for the post as written), "" for a post without variants.
	Variant string `json:"variant,omitempty"`
	// PublishAt is when a variant sent at its own time is due; nil: the
	// post's time.
	PublishAt *time.Time `json:"publish_at,omitempty"`
	// UTM is the query the target's links to the post's own site carry
	// ("utm_source=x&utm_medium=social"), when some do. Hash is then the
	// hash of what it would receive without it, so that a change of the
	// utm settings alone is no edit of a published post.
	UTM string `json:"utm,omitempty"`
	// Texts are, for a recurring post with texts, the hash of what the
	// target receives with each text as its body (Texts[i] with
	// texts[i]); Hash is the body's.
	Texts []string `json:"texts,omitempty"`
	// Words are, for a recurring post, the hash of the text alone the
	// target receives with the body, then with each text: equal words
	// are a repeat, which some platforms refuse (reconcile.WordsHash).
	Words []string `json:"words,omitempty"`
}
