package bluesky

import (
	"context"
	"time"
)

// SetSleep replaces the adapter's waits (between video status reads and
// before an upload is sent again) with fn, which returns at once.
func SetSleep(b *Bluesky, fn func(time.Duration)) {
	b.sleep = func(_ context.Context, d time.Duration) error { fn(d); return nil }
}

// UploadToken is what a video upload through the video service starts
// with: the account's DID, the PDS's DID and a service-auth token for it,
// bound to uploadBlob.
func UploadToken(ctx context.Context, b *Bluesky) (did, aud, token string, err error) {
	s, err := b.session(ctx)
	if err != nil {
		return "", "", "", err
	}
	if aud, err = b.pdsDID(ctx, s); err != nil {
		return "", "", "", err
	}
	token, err = b.serviceAuth(ctx, aud, lxmUploadBlob, serviceAuthTTL)
	return s.did, aud, token, err
}
