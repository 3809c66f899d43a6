package verify

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/transport/objstore"
)

// errStop ends a read early once a problem is recorded.
var errStop = errors.New("stop reading")

// summary is what reading one object found.
type summary struct {
	runs     *Runs
	overlap  []Range // offsets the object holds more than once
	err      error   // the object could not be read
	mismatch string  // a record's topic/partition differs from the name
}

// readObject reads o's offsets into runs.
func readObject(ctx context.Context, st objstore.Store, o object, tmpDir, offsetCol string) summary {
	var b runBuilder
	var s summary
	err := readOffsets(ctx, st, o.key, o.name, tmpDir, offsetCol, func(r row) error {
		if r.hasLane && (r.topic != o.name.Topic || r.partition != o.name.Partition) {
			s.mismatch = fmt.Sprintf("offset %d is of %s/%d, the name says %s/%d",
				r.offset, r.topic, r.partition, o.name.Topic, o.name.Partition)
			return errStop
		}
		b.add(r.offset)
		return nil
	})
	s.runs, s.overlap = b.done()
	if err != nil && !errors.Is(err, errStop) {
		s.err = err
	}
	return s
}
