// Package platforms is the contract between the reconciler and every
// platform adapter: the Payload a target receives, the Publisher interface
// and its optional abilities, the Receipt a publish returns, the errors that
// say whether a post was created, and the Registry that builds adapters from
// configuration.
package platforms
