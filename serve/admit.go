package serve

import (
	"context"
	"errors"
	"sync/atomic"
)

// errBusy answers a request that finds every slot taken and the queue full.
var errBusy = errors.New("busy: every generation slot is taken and the queue is full; retry shortly")

// admission bounds the requests that generate at once (slots) and those waiting for a
// slot (the queue): a burst beyond both is refused at once instead of piling up.
type admission struct {
	slots   chan struct{}
	waiting atomic.Int64
	queue   int64
}

func newAdmission(slots, queue int) *admission {
	return &admission{slots: make(chan struct{}, slots), queue: int64(queue)}
}

// acquire takes a slot, waiting in the queue while ctx lasts; release gives it back.
func (a *admission) acquire(ctx context.Context) (release func(), err error) {
	release = func() { <-a.slots }
	select {
	case a.slots <- struct{}{}:
		return release, nil
	default:
	}
	if a.waiting.Add(1) > a.queue {
		a.waiting.Add(-1)
		return nil, errBusy
	}
	defer a.waiting.Add(-1)
	select {
	case a.slots <- struct{}{}:
		return release, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Waiting is the number of requests in the queue now.
func (a *admission) Waiting() int { return int(a.waiting.Load()) }
