// Package units holds the value types configuration is written in: byte sizes
// such as "128MiB".
package conf

import (
	"fmt"

	"github.com/dustin/go-humanize"
	"go.yaml.in/yaml/v3"
)

// ByteSize is a number of bytes written in YAML as an integer or as a string
// with a unit: "512KiB", "128MiB", "1GB".
type ByteSize int64

// ParseByteSize reads a byte size such as "128MiB".
func ParseByteSize(s string) (ByteSize, error) {
	n, err := humanize.ParseBytes(s)
	if err != nil {
		return 0, fmt.Errorf("invalid byte size %q: want a number with an optional unit such as 64KiB, 128MiB, 1GB", s)
	}
	if n > 1<<62 {
		return 0, fmt.Errorf("byte size %q is too large", s)
	}
	return ByteSize(n), nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (b ByteSize) MarshalYAML() (any, error) { return b.String(), nil }

// String prints the size in IEC units, e.g. "128 MiB".
func (b ByteSize) String() string { return humanize.IBytes(uint64(b)) }
