package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/net/netutil"

	"github.com/heraldhq/herald/internal/telemetry"
	"github.com/heraldhq/herald/schema"
)

// serveCommand is "herald serve".
func serveCommand() *command {
	return &command{
		name:    "serve",
		args:    "--listen ADDR [flags]",
		summary: "run as a controller: reconcile on an interval and on webhooks, serve metrics",
		help: `Runs apply (the same code as herald apply, with the same flags) once at
start, then every --interval, and whenever a GitHub push webhook arrives.
Reconciles never overlap; webhooks that arrive while one runs coalesce
into one more run.

It serves, on --listen:
  /         the calendar page (as calendar --html writes it), read-only,
            rebuilt after each reconcile
  /metrics  Prometheus metrics (herald_*, plus the Go runtime's)
  /healthz  200 while the controller runs
  /webhook  GitHub push events, when HERALD_WEBHOOK_SECRET is set: the
            X-Hub-Signature-256 header must be the HMAC-SHA256 of the body
            with that secret (401 otherwise); a push answers 202 and
            triggers a reconcile; a ping answers 200; a body that is not
            an event answers 400.

serve reconciles the work tree of --repo as it is: it does not pull. Keep
the checkout current beside it (a git-sync sidecar, a cron'd git pull).

On SIGTERM or SIGINT: the HTTP server stops taking requests (it finishes
those in flight), and a reconcile in flight stops gently, as herald
apply does. No platform call starts after the signal; the calls in
flight get 30 s to finish (a second signal cuts them at once, and their
outcome is then unknown, for the next run to look up); the results are
committed (and pushed, with --push) within another 30 s, and the
targets not yet called are recorded as not sent, to be retried at once
by the next run. Then serve exits 0. A harder kill (SIGKILL) in the
middle of a call leaves that attempt recorded as publishing, and the
next run looks it up on the platform before sending anything.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var o serveOptions
			o.apply.register(fs)
			fs.StringVar(&o.listen, "listen", "", "serve /, /metrics, /healthz and /webhook on this `addr`ess (host:port)")
			fs.DurationVar(&o.interval, "interval", 5*time.Minute, "reconcile every `d`uration")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("serve takes no arguments, got %q", args[0])
				}
				if o.listen == "" {
					return usagef("--listen is required, e.g. --listen :9090")
				}
				if o.interval <= 0 {
					return usagef("--interval: want a positive duration, got %s", o.interval)
				}
				if err := o.apply.check(); err != nil {
					return err
				}
				return serve(ctx, e, &o)
			}
		},
	}
}

// serveOptions are serve's flags, and what tests replace.
type serveOptions struct {
	apply    applyFlags
	listen   string
	interval time.Duration
	// hooks' providers replaces the adapters, in tests.
	hooks reconcileHooks
	// listening, when set, is told the address serve listens on.
	listening func(addr string)
}

// serve runs the controller until ctx is cancelled.
func serve(ctx context.Context, e *env, o *serveOptions) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := telemetry.New(reg)
	if err != nil {
		return err
	}
	secret := e.getenv("HERALD_WEBHOOK_SECRET")
	if secret == "" {
		e.log.Warn("HERALD_WEBHOOK_SECRET is not set: /webhook is disabled")
	}
	dash := &dashboard{}
	c := newController(e.log, reg, []byte(secret), o.interval, func(ctx context.Context) error {
		h := o.hooks
		h.metrics, h.command = m, "serve"
		err := reconcileOnce(ctx, e, &o.apply, h)
		if ctx.Err() == nil {
			if derr := dash.refresh(ctx, e, o.apply.plan.repo); derr != nil {
				e.log.Warn("the dashboard page was not rebuilt", "error", derr.Error())
			}
		}
		return err
	})
	c.dashboard = dash
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ln = netutil.LimitListener(ln, maxConns)
	e.log.Info("serving", "addr", ln.Addr().String(), "interval", o.interval.String())
	if o.listening != nil {
		o.listening(ln.Addr().String())
	}
	return c.run(ctx, ln)
}

// reconcileFunc runs one reconcile. Shutdown cancels ctx, which stops
// the reconcile gently, as it stops herald apply: no call starts, the
// calls in flight finish within the grace period, and the results are
// recorded.
type reconcileFunc func(ctx context.Context) error

// controller is serve's loop and HTTP endpoints.
type controller struct {
	log       *slog.Logger
	reg       *prometheus.Registry
	secret    []byte
	interval  time.Duration
	reconcile reconcileFunc
	// trigger holds at most one pending reconcile: webhooks coalesce.
	trigger chan struct{}
	// limits are the HTTP server's timeouts; bodies holds a token per
	// webhook body being read; conns tracks the server's connections.
	limits httpLimits
	bodies chan struct{}
	conns  connTracker
	// dashboard is the page served at /, nil for none.
	dashboard *dashboard
}

func newController(log *slog.Logger, reg *prometheus.Registry, secret []byte, interval time.Duration, rf reconcileFunc) *controller {
	return &controller{log: log, reg: reg, secret: secret, interval: interval, reconcile: rf, trigger: make(chan struct{}, 1),
		limits: defaultHTTPLimits, bodies: make(chan struct{}, maxWebhooksInFlight)}
}

// handler serves /metrics, /healthz and, with a secret, /webhook.
func (c *controller) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(c.reg, promhttp.HandlerOpts{Registry: c.reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	if len(c.secret) > 0 {
		mux.HandleFunc("POST /webhook", c.webhook)
	}
	if c.dashboard != nil {
		mux.Handle("GET /{$}", c.dashboard)
	}
	return mux
}

// dashboard is the read-only page serve shows at /: the calendar page
// (the same as calendar --html), rebuilt after each reconcile.
type dashboard struct {
	mu   sync.Mutex
	page []byte
}

// refresh rebuilds the page from the repository at dir.
func (d *dashboard) refresh(ctx context.Context, e *env, dir string) error {
	repo, posts, err := loadCalendar(ctx, e, dir, "")
	if err != nil {
		return err
	}
	defer repo.Close()
	loc := zoneOf(repo.Config)
	var b bytes.Buffer
	if _, err := writeCalendarPage(ctx, &b, e, dir, "", posts, e.now().In(loc), loc); err != nil {
		return err
	}
	d.mu.Lock()
	d.page = b.Bytes()
	d.mu.Unlock()
	return nil
}

// ServeHTTP serves the page; before the first reconcile has finished, a
// 503 that says so.
func (d *dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	page := d.page
	d.mu.Unlock()
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
	// The page is self-contained: its own styles and script, no other
	// resource, no form.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	if page == nil {
		h.Set("Retry-After", "5")
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "herald is reconciling for the first time; the page follows.\n")
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.Write(page)
}

// maxWebhookBody is GitHub's largest webhook payload.
const maxWebhookBody = 25 << 20

// poke asks for a reconcile; a pending one already covers it.
func (c *controller) poke() {
	select {
	case c.trigger <- struct{}{}:
	default:
	}
}

// run serves on ln and reconciles at start, on every tick and on every
// trigger, until ctx is cancelled; then it shuts the server down, lets
// the reconcile in flight finish gently, and returns nil.
func (c *controller) run(ctx context.Context, ln net.Listener) error {
	srv := c.server()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	// The server stops when ctx ends, or when the loop stops on a fatal
	// error.
	serving, stopServing := context.WithCancel(ctx)
	defer stopServing()
	shut := make(chan error, 1)
	go func() {
		<-serving.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		shut <- srv.Shutdown(sctx)
	}()

	ticker := time.NewTicker(c.interval)
	defer ticker.Stop()
	// fatal is an error serve cannot carry on after: it stops, and says so.
	var fatal error
	for {
		c.log.Info("reconciling")
		if err := c.reconcile(ctx); err != nil {
			var xerr *exitError
			switch {
			case errors.Is(err, schema.ErrEvalLimit):
				// The evaluation past its limit was abandoned, not
				// stopped: it holds its memory until the process ends.
				// Exiting lets the supervisor (Kubernetes, systemd) start
				// a fresh process, and the failure shows as a restart.
				c.log.Error("reconcile failed; serve stops, since the evaluation past its limit still holds its memory", "error", err.Error())
				fatal = err
			case ctx.Err() != nil && errors.Is(err, ctx.Err()):
				c.log.Info("reconcile stopped for the shutdown; what it did is recorded")
			case errors.As(err, &xerr) && xerr.err == nil:
				c.log.Warn("reconcile finished with failures: see the results above")
			default:
				c.log.Error("reconcile failed", "error", err.Error())
			}
		}
		if ctx.Err() != nil || fatal != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-ticker.C:
		case <-c.trigger:
		}
		if ctx.Err() != nil {
			break
		}
	}
	c.log.Info("shutting down")
	stopServing()
	err := <-shut
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", serr)
	}
	if err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if fatal != nil {
		return fmt.Errorf("serve stopped: %w", fatal)
	}
	return nil
}
