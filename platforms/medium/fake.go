package medium

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heraldhq/herald/platforms/platformtest"
)

// FakeToken is the integration token a Fake accepts when
// FakeOptions.Token is empty.
const FakeToken = "181d415f34379af07b2c11d144dfbe35d"

// FakeOptions configure a Fake.
type FakeOptions struct {
	// Token is the integration token accepted; default FakeToken.
	Token string
	// UserID and Username name the token's user; defaults
	// 5303d74c64f66366f00cb9b2a94f3251bf5 and herald.
	UserID, Username string
	// Publications are the IDs of publications the user may post to.
	Publications []string
	// Now is the server's clock, for publishedAt; default a fixed time.
	Now func() time.Time
}

// Fake is a contract fake of Medium's API for one integration token: GET
// /v1/me and POST /v1/users/{authorId}/posts (and
// /v1/publications/{id}/posts), with the bearer token, the JSON content
// type and the required title, contentFormat and content checked, the
// enumerations of contentFormat, publishStatus and license, 403 for
// another user's ID, Medium's error envelope, and what Medium keeps of
// tags (the first three of at most 25 characters). There is nothing else
// to fake: the API has no edit, delete, list or metrics.
type Fake struct {
	*platformtest.Fake
	opts FakeOptions
}

// NewFake starts a Fake that lives until r's cleanups run.
func NewFake(r platformtest.Reporter, opts FakeOptions) *Fake {
	r.Helper()
	if opts.Token == "" {
		opts.Token = FakeToken
	}
	if opts.UserID == "" {
		opts.UserID = "5303d74c64f66366f00cb9b2a94f3251bf5"
	}
	if opts.Username == "" {
		opts.Username = "herald"
	}
	if opts.Now == nil {
		fixed := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	f := &Fake{opts: opts}
	f.Fake = platformtest.New(r, platformtest.Config{Platform: Name, BasePath: "/medium-fake/v1/", ErrorBody: errorBody, Now: opts.Now})
	auth := "Bearer " + opts.Token
	f.Handle("GET /me", platformtest.Contract{Auth: auth}, func(c *platformtest.Call) {
		c.Reply(http.StatusOK, map[string]any{"data": map[string]any{"id": opts.UserID, "username": opts.Username,
			"name": "Herald", "url": "https://medium.com/@" + opts.Username, "imageUrl": "https://images.medium.com/0*avatar.png"}})
	})
	create := platformtest.Contract{Auth: auth, ContentType: "application/json", Required: []string{"title", "contentFormat", "content"}, Create: true}
	f.Handle("POST /users/{authorId}/posts", create, func(c *platformtest.Call) {
		if c.R.PathValue("authorId") != opts.UserID {
			c.Error(http.StatusForbidden, "6027", "User does not have permission to publish on behalf of another user.")
			return
		}
		f.create(c, "")
	})
	f.Handle("POST /publications/{publicationId}/posts", create, func(c *platformtest.Call) {
		id := c.R.PathValue("publicationId")
		for _, p := range opts.Publications {
			if p == id {
				f.create(c, id)
				return
			}
		}
		c.Error(http.StatusForbidden, "6027", "User does not have permission to publish to this publication.")
	})
	return f
}

// errorBody is Medium's error envelope.
func errorBody(status int, code, message string) any {
	switch status {
	case http.StatusUnauthorized:
		code, message = "6003", "Token was invalid."
	case http.StatusTooManyRequests:
		message = "Too many requests."
	}
	n, _ := strconv.Atoi(code)
	return map[string]any{"errors": []map[string]any{{"message": message, "code": n}}}
}

func (f *Fake) create(c *platformtest.Call, publication string) {
	format := c.String("contentFormat")
	if format != "html" && format != "markdown" {
		c.Error(http.StatusBadRequest, "2004", "contentFormat must be one of html, markdown.")
		return
	}
	status := c.String("publishStatus")
	if status == "" {
		status = "public"
	}
	if !contains(publishStatuses, status) {
		c.Error(http.StatusBadRequest, "2004", "publishStatus must be one of public, draft, unlisted.")
		return
	}
	license := c.String("license")
	if license == "" {
		license = "all-rights-reserved"
	}
	if !contains(licenses, license) {
		c.Error(http.StatusBadRequest, "2004", "license is not valid.")
		return
	}
	tags := []string{}
	for _, t := range c.Strings("tags") {
		if len([]rune(t)) <= MaxTagLength && len(tags) < MaxTags {
			tags = append(tags, t)
		}
	}
	id := f.Store.NextID()
	slug := strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(c.String("title"))), "-")
	postID := "e6f3" + id
	p := platformtest.Post{ID: postID, Text: c.String("content"), CreatedAt: f.opts.Now(),
		URL: "https://medium.com/@" + f.opts.Username + "/" + slug + "-" + postID,
		Fields: map[string]any{"title": c.String("title"), "contentFormat": format, "tags": tags,
			"canonicalUrl": c.String("canonicalUrl"), "publishStatus": status, "license": license, "publication": publication}}
	f.Store.Add(p)
	data := map[string]any{"id": p.ID, "title": p.Fields["title"], "authorId": f.opts.UserID, "tags": tags, "url": p.URL,
		"publishStatus": status, "license": license, "licenseUrl": "https://medium.com/policy/9db0094a1e0f"}
	if cu := c.String("canonicalUrl"); cu != "" {
		data["canonicalUrl"] = cu
	}
	if status != "draft" {
		data["publishedAt"] = p.CreatedAt.UnixMilli()
	}
	if publication != "" {
		data["publicationId"] = publication
	}
	c.Reply(http.StatusCreated, map[string]any{"data": data})
}
