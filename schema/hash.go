package schema

import (
	"crypto/sha256"
	"encoding/hex"
)

// contentHash is the hex SHA-256 of a post's normalised bytes (no BOM, LF
// line ends): front-matter and body, never the file's path, so that a
// renamed file with the same content keeps its hash and is seen as a move.
func contentHash(normalised []byte) string {
	sum := sha256.Sum256(normalised)
	return hex.EncodeToString(sum[:])
}

// FoldMediaHashes returns the hash of a post whose content hash is
// postHash and whose media are media, in order. It exists so that a post
// is seen as changed when one of its images changes while its text does
// not. ResolveMedia calls it once, after filling every Media.Hash; a media
// item that could not be read counts as "-". A post without media keeps
// its content hash.
func FoldMediaHashes(postHash string, media []Media) string {
	if len(media) == 0 {
		return postHash
	}
	h := sha256.New()
	h.Write([]byte("post "))
	h.Write([]byte(postHash))
	h.Write([]byte("\n"))
	for _, m := range media {
		h.Write([]byte("media "))
		if m.Hash == "" {
			h.Write([]byte("-"))
		} else {
			h.Write([]byte(m.Hash))
		}
		h.Write([]byte("\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}
