//go:build unix

package main

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"
)

// TestNotifyInterrupt sends the process a signal twice: the first cancels
// the context with a cause naming it (the exit status follows), the
// second closes the hurry channel.
func TestNotifyInterrupt(t *testing.T) {
	ctx, stop := notifyInterrupt(context.Background(), syscall.SIGUSR1)
	defer stop()
	hurry := hurryOf(ctx)
	if hurry == nil {
		t.Fatal("the context carries no hurry channel")
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the first signal did not cancel the context")
	}
	var in *interrupted
	if cause := context.Cause(ctx); !errors.As(cause, &in) || in.sig != syscall.SIGUSR1 || !errors.Is(cause, context.Canceled) {
		t.Errorf("cause %v, want the signal, as a cancellation", cause)
	}
	if got, want := interruptStatus(ctx), 128+int(syscall.SIGUSR1); got != want {
		t.Errorf("exit status %d, want %d", got, want)
	}
	select {
	case <-hurry:
		t.Fatal("hurry closed at the first signal")
	default:
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-hurry:
	case <-time.After(10 * time.Second):
		t.Fatal("the second signal did not close hurry")
	}
}

func TestInterruptStatus(t *testing.T) {
	for _, tt := range []struct {
		name  string
		cause error
		want  int
	}{
		{"SIGINT", &interrupted{sig: syscall.SIGINT}, 130},
		{"SIGTERM", &interrupted{sig: syscall.SIGTERM}, 143},
		{"no signal", context.Canceled, 130},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(tt.cause)
			if got := interruptStatus(ctx); got != tt.want {
				t.Errorf("interruptStatus = %d, want %d", got, tt.want)
			}
		})
	}
	if hurryOf(context.Background()) != nil {
		t.Error("a context without notifyInterrupt has a hurry channel")
	}
}
