package parse

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// pbTypes finds the message types of a file and its imports (then the
// well-known types linked into sluice) for google.protobuf.Any values
// written as JSON text, and writes them.
type pbTypes struct {
	fd    protoreflect.FileDescriptor
	once  sync.Once
	files *protoregistry.Files
}

// registry returns the files of fd and everything it imports.
func (t *pbTypes) registry() *protoregistry.Files {
	t.once.Do(func() {
		t.files = new(protoregistry.Files)
		var add func(f protoreflect.FileDescriptor)
		add = func(f protoreflect.FileDescriptor) {
			if _, err := t.files.FindFileByPath(f.Path()); err == nil {
				return
			}
			if t.files.RegisterFile(f) != nil {
				return // a conflict: the first file of a name wins
			}
			for i := range f.Imports().Len() {
				add(f.Imports().Get(i).FileDescriptor)
			}
		}
		add(t.fd)
	})
	return t.files
}

// FindMessageByName implements protoregistry.MessageTypeResolver.
func (t *pbTypes) FindMessageByName(name protoreflect.FullName) (protoreflect.MessageType, error) {
	if d, err := t.registry().FindDescriptorByName(name); err == nil {
		if md, ok := d.(protoreflect.MessageDescriptor); ok {
			return dynamicpb.NewMessageType(md), nil
		}
	}
	return protoregistry.GlobalTypes.FindMessageByName(name)
}

// FindMessageByURL implements protoregistry.MessageTypeResolver.
func (t *pbTypes) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	return t.FindMessageByName(protoreflect.FullName(url[strings.LastIndexByte(url, '/')+1:]))
}

// FindExtensionByName implements protoregistry.ExtensionTypeResolver:
// extensions are not written.
func (t *pbTypes) FindExtensionByName(protoreflect.FullName) (protoreflect.ExtensionType, error) {
	return nil, protoregistry.NotFound
}

// FindExtensionByNumber implements protoregistry.ExtensionTypeResolver.
func (t *pbTypes) FindExtensionByNumber(protoreflect.FullName, protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	return nil, protoregistry.NotFound
}

// jsonText converts a message value to its canonical Protobuf JSON (proto
// field names, compact, so the text does not change with the library's
// randomised spacing). An Any whose type is unknown is written as
// {"@type": url, "value": base64 bytes}.
func (t *pbTypes) jsonText(v protoreflect.Value) (any, error) {
	m := v.Message()
	b, err := protojson.MarshalOptions{UseProtoNames: true, Resolver: t}.Marshal(m.Interface())
	if err != nil {
		if m.Descriptor().FullName() != "google.protobuf.Any" {
			return nil, stableError(err)
		}
		url, value := m.Descriptor().Fields().ByNumber(1), m.Descriptor().Fields().ByNumber(2)
		if url == nil || value == nil {
			return nil, errWKTShape
		}
		b, err = json.Marshal(map[string]string{
			"@type": m.Get(url).String(), "value": base64.StdEncoding.EncodeToString(m.Get(value).Bytes())})
		if err != nil {
			return nil, err
		}
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return nil, err
	}
	return out.String(), nil
}
