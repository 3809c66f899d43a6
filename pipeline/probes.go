package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/sluicehq/sluice/pipeline/health"
	"github.com/sluicehq/sluice/transport/objstore"
)

// probeKey is the key the store checks read: it never exists, so reading it
// is the cheapest request that proves the bucket answers with the
// configured credentials.
const probeKey = "_sluice/probe"

// probeStore reads probeKey: nil when the store answers that it is not
// there.
func probeStore(ctx context.Context, st objstore.Store) error {
	if _, _, err := st.Get(ctx, probeKey); err != nil && !errors.Is(err, objstore.ErrNotExist) {
		return fmt.Errorf("checking destination %s: %w", st, err)
	}
	return nil
}

// routerPair is what the liveness check watches.
type routerPair struct{ ingest, deliver *message.Router }

// HealthChecks returns the pipeline's checks for a health.Server, valid
// before, during and after Run:
//
//   - live ("routers"): both Watermill routers run. It fails while Run is
//     still connecting and once the routers stopped (after a shutdown, or
//     on their own), so Kubernetes should give a starting process a
//     startup probe.
//   - ready: "routers" as above; "kafka", this process has joined the
//     consumer group (a session was set up, even with no partitions);
//     "store", the destination answers a read of a key that does not
//     exist; "shutdown", no shutdown has begun.
func (p *Pipeline) HealthChecks() (live, ready []health.Check) {
	routers := health.Check{Name: "routers", Func: p.checkRouters}
	live = []health.Check{routers}
	ready = []health.Check{
		routers,
		{Name: "kafka", Func: p.checkJoined},
		{Name: "store", Func: p.checkStore},
		{Name: "shutdown", Func: p.checkNotStopping},
	}
	return live, ready
}

func (p *Pipeline) checkRouters(context.Context) error {
	rs := p.running.Load()
	switch {
	case rs == nil:
		return errors.New("starting: the routers are not running yet")
	case rs.deliver.IsClosed() || rs.ingest.IsClosed():
		return errors.New("the routers stopped")
	case !rs.deliver.IsRunning() || !rs.ingest.IsRunning():
		return errors.New("starting: the routers are not running yet")
	}
	return nil
}

func (p *Pipeline) checkJoined(context.Context) error {
	if !p.ready.Load() || !p.coord.Joined() {
		return fmt.Errorf("not joined to consumer group %q yet", p.cfg.Kafka.Group)
	}
	return nil
}

func (p *Pipeline) checkStore(ctx context.Context) error {
	if !p.ready.Load() {
		return errors.New("not connected yet")
	}
	return probeStore(ctx, p.store)
}

func (p *Pipeline) checkNotStopping(context.Context) error {
	if p.stopping.Load() {
		return errors.New("shutting down")
	}
	return nil
}
