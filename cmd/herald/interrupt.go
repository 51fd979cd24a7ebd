package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// notifyInterrupt returns a context that the first of sigs cancels, with
// an *interrupted cause naming the signal, and that carries a channel
// the second one closes (hurryOf). After the second, the signals are
// released, so that a third ends the process at once, as it would
// without herald.
//
// This is how a run is stopped: apply, sync and serve's reconciles stop
// starting platform calls at the first signal, and record what they did
// (reconcile.Applier's Grace); the second cuts the calls in flight so
// that the results are committed and pushed sooner. A cancelled GitHub
// Actions job sends SIGINT, then SIGTERM 7.5 s later, then SIGKILL 2.5 s
// after that.
func notifyInterrupt(parent context.Context, sigs ...os.Signal) (context.Context, func()) {
	hurry := make(chan struct{})
	ctx, cancel := context.WithCancelCause(context.WithValue(parent, hurryKey{}, (<-chan struct{})(hurry)))
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, sigs...)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			cancel(&interrupted{sig: sig})
		case <-done:
			return
		}
		select {
		case <-ch:
			signal.Stop(ch)
			close(hurry)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(context.Canceled)
	}
}

// interrupted is the cause of a context cancelled by a signal.
type interrupted struct {
	sig os.Signal
}

func (e *interrupted) Error() string { return "interrupted by " + e.sig.String() }

// Is makes an interrupt a cancellation, as signal.NotifyContext's is.
func (e *interrupted) Is(target error) bool { return target == context.Canceled }

// hurryKey is the context key of the channel the second signal closes.
type hurryKey struct{}

// hurryOf returns the channel that closes when the run is told to hurry
// (a second signal); nil, which never closes, without one.
func hurryOf(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(hurryKey{}).(<-chan struct{})
	return ch
}

// interruptStatus is the exit status of a command stopped by ctx's
// cancellation: 128 plus the signal's number, as a shell reports a
// process a signal ended (130 for SIGINT, 143 for SIGTERM); 130 when the
// cause is not a signal.
func interruptStatus(ctx context.Context) int {
	var in *interrupted
	if errors.As(context.Cause(ctx), &in) {
		if s, ok := in.sig.(syscall.Signal); ok {
			return 128 + int(s)
		}
	}
	return 130
}
