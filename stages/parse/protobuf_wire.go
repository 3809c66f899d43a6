package parse

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/sluicehq/sluice/model"
)

// maxIndexes is the longest message-index array read: a message nested
// deeper than this is taken for garbage.
const maxIndexes = 32

// maxIndexKeys bounds the encodings of message-index arrays a file
// remembers (one array can be written in several ways).
const maxIndexKeys = 256

// readIndexes reads the message-index array at the start of b, appending
// the indexes to dst: a zig-zag varint count, then that many zig-zag varint
// indexes; a count of 0 means [0]. It returns the indexes and their length
// in bytes.
func readIndexes(b []byte, dst []int) ([]int, int, error) {
	count, n := binary.Varint(b)
	if n <= 0 {
		return nil, 0, errors.New("message indexes truncated")
	}
	if count == 0 {
		return append(dst, 0), n, nil
	}
	if count < 0 || count > maxIndexes {
		return nil, 0, fmt.Errorf("message index count %d out of range (1 to %d)", count, maxIndexes)
	}
	for range count {
		x, k := binary.Varint(b[n:])
		if k <= 0 {
			return nil, 0, errors.New("message indexes truncated")
		}
		if x < 0 || x > 1<<20 {
			return nil, 0, fmt.Errorf("message index %d out of range", x)
		}
		dst = append(dst, int(x))
		n += k
	}
	return dst, n, nil
}

// pbFile is a compiled .proto file (with its imports) the messages of
// records are found in, and the messages decoded with it so far.
type pbFile struct {
	// prefix starts the IDs of its messages' schemas: "protobuf:7" for
	// Schema Registry id 7, "protobuf:file:<hash>" for a local schema.
	prefix string
	// label names it in errors: "schema id 7", "descriptor set x.binpb".
	label string
	fd    protoreflect.FileDescriptor
	types *pbTypes

	byIndex sync.Map     // string(message-index bytes) -> *pbMessage
	keys    atomic.Int32 // entries of byIndex

	mu     sync.Mutex
	byName map[protoreflect.FullName]*pbMessage
}

// newPBFile returns the pbFile of fd.
func newPBFile(prefix, label string, fd protoreflect.FileDescriptor) *pbFile {
	return &pbFile{prefix: prefix, label: label, fd: fd, types: &pbTypes{fd: fd},
		byName: map[protoreflect.FullName]*pbMessage{}}
}

// messageAt reads the message-index array at the start of b and returns the
// message it names and the bytes after it.
func (f *pbFile) messageAt(b []byte) (*pbMessage, []byte, error) {
	var buf [maxIndexes]int
	idx, n, err := readIndexes(b, buf[:0])
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", f.label, err)
	}
	key := b[:n]
	if m, ok := f.byIndex.Load(string(key)); ok {
		return m.(*pbMessage), b[n:], nil
	}
	msgs := f.fd.Messages()
	var md protoreflect.MessageDescriptor
	for _, i := range idx {
		if i >= msgs.Len() {
			return nil, nil, fmt.Errorf("%s: message index %v out of range", f.label, slices.Clone(idx))
		}
		md = msgs.Get(i)
		msgs = md.Messages()
	}
	m, err := f.messageFor(md)
	if err != nil {
		return nil, nil, err
	}
	if f.keys.Add(1) <= maxIndexKeys {
		f.byIndex.Store(string(key), m)
	}
	return m, b[n:], nil
}

// messageFor returns the message of md, its schema built on first use.
func (f *pbFile) messageFor(md protoreflect.MessageDescriptor) (*pbMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok := f.byName[md.FullName()]; ok {
		return m, nil
	}
	plan, fields, err := buildPlan(md, f.types)
	if err != nil {
		return nil, fmt.Errorf("%s: message %s: %w", f.label, md.FullName(), err)
	}
	m := &pbMessage{file: f, name: md.FullName(), md: md, plan: plan,
		unmarshal: proto.UnmarshalOptions{AllowPartial: !hasRequired(md, map[protoreflect.FullName]bool{})},
		schema:    &model.Schema{ID: f.prefix + ":" + string(md.FullName()), Fields: fields, Conforming: true}} // FuzzProtobufDecode checks it
	f.byName[md.FullName()] = m
	return m, nil
}

// pbMessage is a message type records are decoded as, with its schema.
type pbMessage struct {
	file   *pbFile
	name   protoreflect.FullName
	md     protoreflect.MessageDescriptor
	plan   *pbPlan
	schema *model.Schema
	// unmarshal skips the check for missing required fields when the
	// message has none (proto3): a sixth of the time of a large message.
	unmarshal proto.UnmarshalOptions
}

// decode unmarshals b as the message and converts it to typed fields.
func (m *pbMessage) decode(b []byte) (map[string]any, error) {
	msg := dynamicpb.NewMessage(m.md)
	if err := m.unmarshal.Unmarshal(b, msg); err != nil {
		return nil, stableError(err)
	}
	return m.plan.convert(msg)
}

// hasRequired reports whether md or a message it holds has a required
// field (proto2).
func hasRequired(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) bool {
	if seen[md.FullName()] {
		return false
	}
	seen[md.FullName()] = true
	fds := md.Fields()
	for i := range fds.Len() {
		fd := fds.Get(i)
		if fd.Cardinality() == protoreflect.Required {
			return true
		}
		if fd.Message() != nil && hasRequired(fd.Message(), seen) {
			return true
		}
	}
	return false
}

// stableError is err with the text google.golang.org/protobuf gives it
// made stable: the library writes a space or, at random per build, a
// no-break space after "proto:", so that nobody matches its texts; a
// rejection's reason should not change with the build.
func stableError(err error) error {
	return errors.New(strings.ReplaceAll(err.Error(), "\u00a0", " "))
}
