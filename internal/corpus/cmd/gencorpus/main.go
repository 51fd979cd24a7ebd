package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/heraldhq/herald/internal/corpus"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gencorpus", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := corpus.Defaults(0)
	n := fs.Int("n", 1000, "number of posts")
	dir := fs.String("dir", "", "directory to write the repository into (required)")
	seed := fs.Uint64("seed", def.Seed, "random seed; the same seed gives the same files")
	threads := fs.Float64("threads", def.ThreadRatio, "share of posts that are threads, 0 to 1")
	media := fs.Float64("media", def.MediaRatio, "share of posts that attach images, 0 to 1")
	hugo := fs.Bool("hugo", false, "also write a minimal Hugo site over the same files")
	long := fs.Bool("long", false, "write the long-form corpus (blog-length posts, thread: auto); -threads and -media are then ignored")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dir == "" {
		fmt.Fprintln(stderr, "gencorpus: -dir is required")
		return 2
	}
	opts := corpus.Options{N: *n, Seed: *seed, ThreadRatio: *threads, MediaRatio: *media, Hugo: *hugo}
	if *long {
		opts = corpus.LongForm(*n)
		opts.Seed, opts.Hugo = *seed, *hugo
	}
	if err := corpus.Generate(*dir, opts); err != nil {
		fmt.Fprintln(stderr, "gencorpus:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %d posts to %s\n", *n, *dir)
	return 0
}
