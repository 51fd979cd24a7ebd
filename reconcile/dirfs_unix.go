//go:build unix

package reconcile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"github.com/heraldhq/herald/schema"
)

var _ schema.OpenNonblockFS = (*dirFS)(nil)

// errNoDirRoot is what OpenNonblock answers when name's directory has no
// root of its own: schema.ReadPost then asks Stat and Open, which go on
// to the repository's root.
var errNoDirRoot = errors.New("no root for the directory")

// OpenNonblock opens name through its directory's root without waiting
// on it (a FIFO opens at once), for schema.ReadPost to ask the open file
// what it is: one lookup of the name instead of Stat's and Open's. It
// does not fall back to the repository's root as Open does: on any error
// ReadPost takes the path through Stat and Open, which does, and which
// refuses a link out of the repository with the message it always gave.
// Opened with O_NONBLOCK, the descriptor is not switched to
// non-blocking and back around Go's try of it on the poller (four fcntl
// calls fewer), and reads of a regular file never return EAGAIN.
func (d *dirFS) OpenNonblock(name string) (fs.File, error) {
	sub, base := d.at(name)
	if sub == nil {
		return nil, errNoDirRoot
	}
	return sub.OpenFile(base, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
