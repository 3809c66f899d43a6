package verify

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
)

// ErrBadName means an object's name is not
// "<topic>+<partition>+<round start, 20 digits>.<ext>".
var ErrBadName = errors.New("object is not named <topic>+<partition>+<20-digit offset>.<ext>")

// Name is what a data object's base name says.
type Name struct {
	Topic     string
	Partition int32
	// Start is the first offset of the object's round.
	Start int64
	// Ext is the extension without its dot: "parquet", "jsonl", "jsonl.gz"
	// or "jsonl.zst".
	Ext string
}

// nameRE matches model.FileName plus an extension of stages/format.
var nameRE = regexp.MustCompile(`^(.+)\+(\d+)\+(\d{20})\.(parquet|jsonl|jsonl\.gz|jsonl\.zst)$`)

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
	return Name{Topic: m[1], Partition: int32(part), Start: start, Ext: m[4]}, nil
}

// round names the round an object belongs to.
func (n Name) round() roundID { return roundID{n.Topic, n.Partition, n.Start} }

type roundID struct {
	topic     string
	partition int32
	start     int64
}
