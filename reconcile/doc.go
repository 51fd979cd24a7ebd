// Package reconcile compares what the files ask for with what was
// published, and acts on the difference.
//
// MakePlan is pure: given posts (as summaries), state records, the
// configuration and a time, it returns the same plan every time, with a
// kind and a reason for every target of every post, including those it
// will not act on. Apply executes a plan's actions with the exactly-once
// protocol described in the README. Applier.Sync reads the engagement of
// published targets when a Schedule says it is due, under the same rate
// limits, and commits it once per run.
//
// A target of a post is acted on as one or more instances, each with its
// own target key in state: the account for a post published once, and
// for a recurring post (repeat:) one instance per occurrence ("x",
// "x#2", ...). Instances is the one place a post's target becomes its
// instances; everything that reaches an account from a target key goes
// through state.AccountOf.
package reconcile
