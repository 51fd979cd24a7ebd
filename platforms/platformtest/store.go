package platformtest

import (
	"slices"
	"strconv"
	"sync"
	"time"
)

// Post is one post a fake accepted, in the platform-neutral form the
// conformance suite reads back.
type Post struct {
	ID      string
	Text    string // as the platform would show it (unescaped)
	ReplyTo string // the ID of the post it replies to, "" for none
	Media   []MediaItem
	// Key is the attempt key or marker the request carried, if the
	// platform takes one.
	Key       string
	URL       string
	CreatedAt time.Time
	// Fields holds other accepted fields a fake wants to assert on
	// (visibility, spoiler_text).
	Fields map[string]any
	// Edits is how many times the post was edited in place, so that a
	// check can tell an edit that was sent from one that was not; a
	// platform whose edit makes a new post (X) counts the chain's edits.
	Edits   int
	Deleted bool
}

// MediaItem is an uploaded file as a fake stored it.
type MediaItem struct {
	ID   string
	Type string
	Alt  string
	// Data is the uploaded bytes; nil when the platform fetches media by
	// URL and the fake did not fetch it.
	Data []byte
}

// Store is the accepted state of a fake platform: posts and uploaded
// media, with IDs handed out in sequence so tests are deterministic. It is
// safe for concurrent use by handlers.
type Store struct {
	mu    sync.Mutex
	seq   int
	posts []*Post
	media map[string]*MediaItem
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{media: map[string]*MediaItem{}} }

// NextID returns a fresh ID ("1", "2", ...), shared by posts and media.
func (s *Store) NextID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextID()
}

func (s *Store) nextID() string {
	s.seq++
	return strconv.Itoa(s.seq)
}

// Add stores p, giving it the next ID when it has none, and returns the
// stored copy.
func (s *Store) Add(p Post) Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.add(p)
}

func (s *Store) add(p Post) Post {
	if p.ID == "" {
		p.ID = s.nextID()
	}
	s.posts = append(s.posts, &p)
	return clonePost(&p)
}

// AddOnce stores p unless a live post already carries p.Key, in which case
// it returns that post and false: the platform's idempotency. An empty Key
// always adds.
func (s *Store) AddOnce(p Post) (Post, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.Key != "" {
		for _, q := range s.posts {
			if !q.Deleted && q.Key == p.Key {
				return clonePost(q), false
			}
		}
	}
	return s.add(p), true
}

// Get returns the post with id, deleted or not.
func (s *Store) Get(id string) (Post, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.posts {
		if p.ID == id {
			return clonePost(p), true
		}
	}
	return Post{}, false
}

// Update applies change to the live post with id and reports whether there
// was one.
func (s *Store) Update(id string, change func(*Post)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.posts {
		if p.ID == id && !p.Deleted {
			change(p)
			return true
		}
	}
	return false
}

// Delete marks the live post with id deleted and reports whether there was
// one.
func (s *Store) Delete(id string) bool {
	return s.Update(id, func(p *Post) { p.Deleted = true })
}

// Posts returns the live posts in creation order.
func (s *Store) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Post
	for _, p := range s.posts {
		if !p.Deleted {
			out = append(out, clonePost(p))
		}
	}
	return out
}

// AddMedia stores an uploaded file, giving it the next ID, and returns
// the ID.
func (s *Store) AddMedia(m MediaItem) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m.ID = s.nextID()
	m.Data = slices.Clone(m.Data)
	s.media[m.ID] = &m
	return m.ID
}

// SetMediaAlt changes the alt text of the uploaded file with id, as a
// platform that edits media descriptions does, and reports whether there
// was one.
func (s *Store) SetMediaAlt(id, alt string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.media[id]
	if ok {
		m.Alt = alt
	}
	return ok
}

// Media returns the uploaded file with id.
func (s *Store) Media(id string) (MediaItem, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.media[id]
	if !ok {
		return MediaItem{}, false
	}
	return *m, true
}

func clonePost(p *Post) Post {
	c := *p
	c.Media = slices.Clone(p.Media)
	return c
}
