package telemetry

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
)

// JobPrefix begins the Pushgateway job herald pushes under: the job is
// "herald_" and the command ("herald_apply", "herald_sync"), so that one
// command's push never replaces another's metrics.
const JobPrefix = "herald_"

// WriteTextfile writes everything g gathers to path in the format of
// node_exporter's textfile collector. The file is replaced atomically
// (written beside path, then renamed), so a collector never reads half
// of it.
func WriteTextfile(g prometheus.Gatherer, path string) error {
	if err := prometheus.WriteToTextfile(path, g); err != nil {
		return fmt.Errorf("write metrics file: %w", err)
	}
	return nil
}

// Push replaces the metrics of the job for command on the
// Pushgateway at url with everything g gathers. client makes the request
// (nil: http.DefaultClient).
func Push(ctx context.Context, url, command string, g prometheus.Gatherer, client *http.Client) error {
	p := push.New(url, JobPrefix+command).Gatherer(g)
	if client != nil {
		p = p.Client(client)
	}
	if err := p.PushContext(ctx); err != nil {
		return fmt.Errorf("push metrics: %w", err)
	}
	return nil
}
