package vcache

import (
	"io/fs"
	"syscall"
)

// statOf is what fi says of a file that changes when its bytes do.
func statOf(fi fs.FileInfo) fileStat {
	st := fileStat{Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}
	if s, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.Ctime = s.Ctim.Nano()
		st.Ino = s.Ino
	}
	return st
}
