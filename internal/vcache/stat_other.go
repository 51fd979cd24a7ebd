//go:build !linux && !darwin

package vcache

import "io/fs"

// statOf is what fi says of a file that changes when its bytes do: its
// size and modification time, where no change time or inode is known.
func statOf(fi fs.FileInfo) fileStat {
	return fileStat{Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}
}
