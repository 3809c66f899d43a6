package deadletter

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
)

// Prefix is where the bucket's dead-letter files live, relative to the
// destination prefix.
const Prefix = "_rejected/"

// Key is the object key of the dead-letter file of the round of a
// partition starting at start, relative to the destination prefix:
// "_rejected/<topic>/<partition>/<topic>+<partition>+<start, 20 digits>.jsonl"
// (".jsonl.gz", ".jsonl.zst" when compressed).
func Key(topic string, partition int32, start int64, compression string) string {
	return fmt.Sprintf("%s%s/%d/%s%s", Prefix, topic, partition, model.FileName(topic, partition, start),
		format.RejectedExtension(compression))
}

// ParseKey returns the partition, round start and compression Key made key
// of; ok is false for any other key.
func ParseKey(key string) (topic string, partition int32, start int64, compression string, ok bool) {
	rest, found := strings.CutPrefix(key, Prefix)
	parts := strings.Split(rest, "/")
	if !found || len(parts) != 3 || parts[0] == "" {
		return "", 0, 0, "", false
	}
	p, err := strconv.ParseInt(parts[1], 10, 32)
	if err != nil || p < 0 || strconv.Itoa(int(p)) != parts[1] {
		return "", 0, 0, "", false
	}
	for _, c := range compressions {
		stem, isExt := strings.CutSuffix(path.Base(key), format.RejectedExtension(c))
		if !isExt {
			continue
		}
		digits, isName := strings.CutPrefix(stem, parts[0]+"+"+parts[1]+"+")
		s, err := strconv.ParseInt(digits, 10, 64)
		if !isName || len(digits) != 20 || err != nil {
			return "", 0, 0, "", false
		}
		return parts[0], int32(p), s, c, true
	}
	return "", 0, 0, "", false
}
