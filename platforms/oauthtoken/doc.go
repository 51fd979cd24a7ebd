// Package oauthtoken keeps one account's OAuth token for a platform
// adapter: the token in memory, loading it from the token store or the
// environment, refreshing it when it lapses, and saving every refreshed
// token through platforms.TokenStore before it is used. Adapters give
// only what differs between platforms: the setting keys, the "no token"
// message, and the HTTP exchange with its error mapping (Source.Exchange).
//
// Concurrent refreshes of the same stale token do one exchange: a caller
// that finds the token already replaced by a valid one gets that one,
// which matters for platforms such as X that rotate the refresh token on
// every use.
//
// Retry sends a call once more after a refresh when the platform answers
// 401 to a token whose expiry herald does not know (one given in the
// environment) and that has a refresh token.
package oauthtoken
