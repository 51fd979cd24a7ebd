package main

import (
	"context"
	"os"
	"syscall"
	_ "time/tzdata" // zone names in herald.yaml work on hosts without a zone database
)

func main() {
	ctx, stop := notifyInterrupt(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
