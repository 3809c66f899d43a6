package commit

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/sluicehq/sluice/model"
)

// progressVersion is the version of the progress record's JSON layout.
const progressVersion = 1

// Progress is a Kafka partition's progress record in the bucket.
type Progress struct {
	Version   int    `json:"version"`
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Next is the offset of the first record not in the bucket.
	Next int64 `json:"next_offset"`
	// Last is the last committed round, if any.
	Last *RoundRef `json:"last_round,omitempty"`
	// Pending is a round claimed but not committed: its files may be in the
	// bucket in part or whole. The partition's next owner completes it.
	Pending *RoundRef `json:"pending,omitempty"`
	// Owner names the process that wrote the record last (host, pid, start).
	Owner string `json:"owner"`
	// UpdatedAt is when the record was written (informational).
	UpdatedAt time.Time `json:"updated_at"`
}

// RoundRef is how a progress record names a round.
type RoundRef struct {
	Start   int64 `json:"start"`
	End     int64 `json:"end"`
	Records int64 `json:"records"`
	// Filtered counts the round's records stages removed on purpose; their
	// offsets are in the object at FilteredKey (absent from records written
	// before sluice could filter: read as 0).
	Filtered int64 `json:"filtered,omitempty"`
	// Rejected counts the round's records sent to the dead-letter
	// destination; their offsets are in the object at RejectedKey.
	Rejected int64    `json:"rejected,omitempty"`
	Keys     []string `json:"keys"`
}

// Ref describes r for a progress record.
func Ref(r *model.Round) *RoundRef {
	keys := make([]string, len(r.Files))
	for i, f := range r.Files {
		keys[i] = f.Key
	}
	return &RoundRef{Start: r.Start, End: r.End, Records: r.Records, Filtered: r.Filtered, Rejected: r.Rejected, Keys: keys}
}

// ProgressKey is where a partition's progress record lives, relative to the
// destination prefix.
func ProgressKey(topic string, partition int32) string {
	return fmt.Sprintf("_sluice/progress/%s/%d.json", topic, partition)
}

func decodeProgress(data []byte, topic string, partition int32) (Progress, error) {
	var p Progress
	if err := json.Unmarshal(data, &p); err != nil {
		return Progress{}, fmt.Errorf("decoding progress record of %s: %w", model.LaneOf(topic, partition), err)
	}
	if p.Version != progressVersion || p.Topic != topic || p.Partition != partition {
		return Progress{}, fmt.Errorf("progress record of %s is for %s version %d",
			model.LaneOf(topic, partition), model.LaneOf(p.Topic, p.Partition), p.Version)
	}
	return p, nil
}
