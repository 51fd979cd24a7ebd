// Package platformtest holds what every adapter's tests share: a toolkit
// for contract fakes of platform APIs (Fake, Contract, Store) and the
// conformance suite (Run) that every adapter passes against its fake.
package platformtest
