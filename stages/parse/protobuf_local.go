package parse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	// The well-known types a descriptor set may leave out.
	_ "google.golang.org/protobuf/types/known/anypb"
	_ "google.golang.org/protobuf/types/known/durationpb"
	_ "google.golang.org/protobuf/types/known/emptypb"
	_ "google.golang.org/protobuf/types/known/fieldmaskpb"
	_ "google.golang.org/protobuf/types/known/structpb"
	_ "google.golang.org/protobuf/types/known/timestamppb"
	_ "google.golang.org/protobuf/types/known/wrapperspb"
)

// loadLocal reads the schema of the options' descriptor set or .proto file
// and returns the file declaring the configured message, and the message.
func loadLocal(c ProtobufConfig) (*pbFile, protoreflect.MessageDescriptor, error) {
	var (
		d     protoreflect.Descriptor
		label string
		err   error
	)
	name := protoreflect.FullName(c.Message)
	if c.DescriptorSet != "" {
		label = "descriptor set " + c.DescriptorSet
		d, err = fromDescriptorSet(c.DescriptorSet, name)
	} else {
		label = "proto file " + c.ProtoFile
		d, err = fromProtoFile(c.ProtoFile, c.ImportPaths, name)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", label, err)
	}
	md, ok := d.(protoreflect.MessageDescriptor)
	if !ok {
		return nil, nil, fmt.Errorf("%s: %s is not a message", label, name)
	}
	hash, err := fileHash(md.ParentFile())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", label, err)
	}
	return newPBFile("protobuf:file:"+hash, label, md.ParentFile()), md, nil
}

// fromDescriptorSet finds the message named name in a FileDescriptorSet
// file, adding the well-known types the set imports without holding them.
func fromDescriptorSet(path string, name protoreflect.FullName) (protoreflect.Descriptor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	set := new(descriptorpb.FileDescriptorSet)
	if err := proto.Unmarshal(b, set); err != nil {
		return nil, fmt.Errorf("reading a FileDescriptorSet: %w", err)
	}
	have := map[string]bool{}
	for _, f := range set.File {
		have[f.GetName()] = true
	}
	for i := 0; i < len(set.File); i++ { // the set grows as standard files are added
		for _, dep := range set.File[i].Dependency {
			if have[dep] {
				continue
			}
			if std, err := protoregistry.GlobalFiles.FindFileByPath(dep); err == nil {
				set.File = append(set.File, protodesc.ToFileDescriptorProto(std))
				have[dep] = true
			}
		}
	}
	files, err := protodesc.NewFiles(set)
	if err != nil {
		return nil, err
	}
	d, err := files.FindDescriptorByName(name)
	if err != nil {
		return nil, fmt.Errorf("message %s not found: %w", name, stableError(err))
	}
	return d, nil
}

// fromProtoFile compiles a .proto file and finds the message named name in
// it or its imports. The file is named relative to the import path holding
// it; without import paths, its own directory is the one.
func fromProtoFile(file string, importPaths []string, name protoreflect.FullName) (protoreflect.Descriptor, error) {
	if len(importPaths) == 0 {
		importPaths = []string{filepath.Dir(file)}
		file = filepath.Base(file)
	} else if _, err := os.Stat(file); err == nil {
		for _, ip := range importPaths {
			if rel, err := filepath.Rel(ip, file); err == nil && !strings.HasPrefix(rel, "..") {
				file = rel
				break
			}
		}
	}
	comp := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: importPaths}),
	}
	files, err := comp.Compile(context.Background(), filepath.ToSlash(file))
	if err != nil {
		return nil, fmt.Errorf("compiling: %w", err)
	}
	d, err := linker.ResolverFromFile(files[0]).FindDescriptorByName(name)
	if err != nil {
		return nil, fmt.Errorf("message %s not found: %w", name, stableError(err))
	}
	return d, nil
}

// fileHash is a hash of fd and the files it imports, transitively, without
// source information (comments do not change it): the schema IDs of a local
// schema change exactly when the schema does. 16 hex digits.
func fileHash(fd protoreflect.FileDescriptor) (string, error) {
	seen := map[string]*descriptorpb.FileDescriptorProto{}
	var walk func(f protoreflect.FileDescriptor)
	walk = func(f protoreflect.FileDescriptor) {
		if _, ok := seen[f.Path()]; ok {
			return
		}
		p := protodesc.ToFileDescriptorProto(f)
		p.SourceCodeInfo = nil
		seen[f.Path()] = p
		for i := range f.Imports().Len() {
			walk(f.Imports().Get(i).FileDescriptor)
		}
	}
	walk(fd)
	set := new(descriptorpb.FileDescriptorSet)
	for _, path := range slices.Sorted(maps.Keys(seen)) {
		set.File = append(set.File, seen[path])
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(set)
	if err != nil {
		return "", fmt.Errorf("hashing the schema: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8]), nil
}
