package x

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// OAuth1 is an OAuth 1.0a user-context credential set: the app's consumer
// key and secret and the user's access token and secret. X accepts it on
// every endpoint herald calls, and it never expires, which is why some
// accounts prefer it to OAuth 2.0's two-hour tokens.
type OAuth1 struct {
	ConsumerKey    string
	ConsumerSecret string
	Token          string
	TokenSecret    string
}

// Header returns the Authorization header for one request, signed with
// HMAC-SHA1 as RFC 5849 section 3.4.2 says. rawURL is the request's URL
// with its query; form holds the parameters of an
// application/x-www-form-urlencoded body (nil for JSON bodies, which are
// not signed). nonce must be unique per request and timestamp is the
// request's time.
func (o OAuth1) Header(method, rawURL string, form url.Values, nonce string, timestamp time.Time) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	oauth := url.Values{
		"oauth_consumer_key":     {o.ConsumerKey},
		"oauth_nonce":            {nonce},
		"oauth_signature_method": {"HMAC-SHA1"},
		"oauth_timestamp":        {strconv.FormatInt(timestamp.Unix(), 10)},
		"oauth_token":            {o.Token},
		"oauth_version":          {"1.0"},
	}
	params := url.Values{}
	for k, vs := range u.Query() {
		params[k] = append(params[k], vs...)
	}
	for k, vs := range form {
		params[k] = append(params[k], vs...)
	}
	for k, vs := range oauth {
		params[k] = append(params[k], vs...)
	}
	sig := signature(method, baseURI(u), params, o.ConsumerSecret, o.TokenSecret)
	oauth.Set("oauth_signature", sig)

	keys := make([]string, 0, len(oauth))
	for k := range oauth {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("OAuth ")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(percentEncode(k))
		b.WriteString(`="`)
		b.WriteString(percentEncode(oauth.Get(k)))
		b.WriteString(`"`)
	}
	return b.String(), nil
}

// signature is RFC 5849's HMAC-SHA1 signature: the base string (section
// 3.4.1) signed with the key "consumer secret&token secret" (3.4.2),
// base64-encoded.
func signature(method, uri string, params url.Values, consumerSecret, tokenSecret string) string {
	base := baseString(method, uri, params)
	mac := hmac.New(sha1.New, []byte(percentEncode(consumerSecret)+"&"+percentEncode(tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// baseString is the signature base string of RFC 5849 section 3.4.1: the
// method in upper case, the base string URI and the normalised
// parameters, each percent-encoded and joined by "&".
func baseString(method, uri string, params url.Values) string {
	return strings.ToUpper(method) + "&" + percentEncode(uri) + "&" + percentEncode(normalizeParams(params))
}

// normalizeParams is section 3.4.1.3.2: every name and value
// percent-encoded, sorted by name then value, joined as name=value with
// "&". oauth_signature is never part of it.
func normalizeParams(params url.Values) string {
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range params {
		if k == "oauth_signature" {
			continue
		}
		for _, v := range vs {
			pairs = append(pairs, pair{percentEncode(k), percentEncode(v)})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, "&")
}

// baseURI is section 3.4.1.2: scheme and host in lower case, the port
// only when it is not the scheme's default, the path, no query.
func baseURI(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if p := u.Port(); p != "" && !(scheme == "http" && p == "80") && !(scheme == "https" && p == "443") {
		host += ":" + p
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// percentEncode is section 3.6: every byte except the unreserved
// characters A-Z a-z 0-9 - . _ ~ becomes %XX with upper-case hex digits.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// parseOAuthHeader reads the parameters of an "OAuth k="v", ..." header,
// for the fake to verify signatures with. ok is false when the header is
// not an OAuth header.
func parseOAuthHeader(h string) (url.Values, bool) {
	rest, ok := strings.CutPrefix(h, "OAuth ")
	if !ok {
		return nil, false
	}
	out := url.Values{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, false
		}
		dk, err1 := url.PathUnescape(k)
		dv, err2 := url.PathUnescape(v[1 : len(v)-1])
		if err1 != nil || err2 != nil {
			return nil, false
		}
		out.Add(dk, dv)
	}
	return out, true
}
