package render

import "sync"

// arena hands out the large per-text arrays of splitting (break levels,
// running weights) from slabs that are reused from one post to the next:
// a long-form post needs some 50 KB of them, and allocating them anew
// for every post is most of what the collector then has to do. The
// arrays never reach an Output.
type arena struct {
	u8  []uint8
	i32 []int32
}

var arenaPool = sync.Pool{New: func() any { return new(arena) }}

const slabMin = 64 << 10

// bytes returns n bytes, not cleared; a nil arena allocates.
func (a *arena) bytes(n int) []uint8 {
	if a == nil {
		return make([]uint8, n)
	}
	if cap(a.u8)-len(a.u8) < n {
		a.u8 = make([]uint8, 0, max(slabMin, 2*cap(a.u8), n))
	}
	s := a.u8[len(a.u8) : len(a.u8)+n : len(a.u8)+n]
	a.u8 = a.u8[:len(a.u8)+n]
	return s
}

// int32s returns n int32s, not cleared; a nil arena allocates.
func (a *arena) int32s(n int) []int32 {
	if a == nil {
		return make([]int32, n)
	}
	if cap(a.i32)-len(a.i32) < n {
		a.i32 = make([]int32, 0, max(slabMin/4, 2*cap(a.i32), n))
	}
	s := a.i32[len(a.i32) : len(a.i32)+n : len(a.i32)+n]
	a.i32 = a.i32[:len(a.i32)+n]
	return s
}

// arena returns the Renderer's arena, taken from the pool on first use.
func (r *Renderer) arena() *arena {
	if r.mem == nil {
		r.mem = arenaPool.Get().(*arena)
	}
	return r.mem
}

// Release gives the Renderer's memory back for other Renderers to use
// and forgets the texts it rendered; the Outputs it made stay valid. Call
// it when the post is rendered for every target: a Renderer that is not
// released is collected as any value is.
func (r *Renderer) Release() {
	if r.mem != nil {
		r.mem.u8, r.mem.i32 = r.mem.u8[:0], r.mem.i32[:0]
		arenaPool.Put(r.mem)
	}
	*r = Renderer{}
}
