// Package telemetry holds herald's Prometheus collectors: what apply (and
// sync, and serve) did, per platform and account, so that an operator can
// alert on failures, unknown outcomes and stale runs.
//
// Every collector is registered on a registry the caller injects; the
// package keeps no globals. Every method of *Metrics is safe on a nil
// receiver, so that code which reports metrics runs unchanged without them.
//
// Metric names are stable, start with herald_, and carry their unit.
package telemetry
