package verify

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
)

// ErrBadName means an object's name is not
// "<topic>+<partition>+<round start, 20 digits>[.<n>].<ext>".
var ErrBadName = errors.New("object is not named <topic>+<partition>+<20-digit offset>[.<n>].<ext>")

// Name is what a data object's base name says.
type Name struct {
	Topic     string
	Partition int32
	// Start is the first offset of the object's round.
	Start int64
	// Seq numbers the files of one output partition of the round beyond
	// the first (records of another schema): 0 for the first, then 1, 2.
	Seq int
	// Ext is the extension without its dot: "parquet", "jsonl", "jsonl.gz",
	// "jsonl.zst" or "avro".
	Ext string
}

// nameRE matches model.FileName, the buffer's file number for a later
// schema in the same output partition, and an extension of stages/format.
var nameRE = regexp.MustCompile(`^(.+)\+(\d+)\+(\d{20})(?:\.([1-9]\d{0,8}))?\.(parquet|jsonl|jsonl\.gz|jsonl\.zst|avro)$`)

// ParseName parses the base name of key. It returns an error wrapping
// ErrBadName for any other name.
func ParseName(key string) (Name, error) {
	m := nameRE.FindStringSubmatch(path.Base(key))
	if m == nil {
		return Name{}, fmt.Errorf("parsing %q: %w", key, ErrBadName)
	}
	part, err := strconv.ParseInt(m[2], 10, 32)
	if err != nil {
		return Name{}, fmt.Errorf("parsing %q: partition %q: %w", key, m[2], ErrBadName)
	}
	start, err := strconv.ParseInt(m[3], 10, 64)
	if err != nil {
		return Name{}, fmt.Errorf("parsing %q: offset %q: %w", key, m[3], ErrBadName)
	}
	seq := 0
	if m[4] != "" {
		seq, _ = strconv.Atoi(m[4]) // at most nine digits: it fits
	}
	return Name{Topic: m[1], Partition: int32(part), Start: start, Seq: seq, Ext: m[5]}, nil
}

// round names the round an object belongs to.
func (n Name) round() roundID { return roundID{n.Topic, n.Partition, n.Start} }

type roundID struct {
	topic     string
	partition int32
	start     int64
}
