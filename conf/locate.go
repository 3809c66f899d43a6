package conf

import (
	"errors"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Locate returns err with the line of every FieldError that has none filled
// in from doc, the YAML tree the configuration was decoded from: the line of
// the field's key, or, for a field the file leaves out (a missing required
// value), of the deepest section on its path that the file has. Problems on
// paths the file does not touch at all keep line 0, as do errors that are
// not FieldErrors' (they become FieldErrors with an empty path, as List
// makes them). A nil err or doc returns err unchanged.
func Locate(doc *yaml.Node, err error) error {
	if err == nil || doc == nil {
		return err
	}
	fes := List(err)
	out := make([]error, 0, len(fes))
	for _, fe := range fes {
		located := *fe
		if located.Line == 0 && located.Path != "" {
			located.Line = lineOf(doc, located.Path)
		}
		out = append(out, &located)
	}
	return errors.Join(out...)
}

// lineOf walks path ("a.b[2].c") down from n and returns the line of the
// deepest node reached below the root, or 0 when not even the first step is
// in the tree.
func lineOf(n *yaml.Node, path string) int {
	line := 0
	for _, step := range splitPath(path) {
		n = resolveAlias(n)
		if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
			n = resolveAlias(n.Content[0])
		}
		next, at := child(n, step)
		if next == nil {
			break
		}
		n, line = next, at
	}
	return line
}

// child returns the node a path step names in n (a mapping key, or "[i]"
// for a sequence element) and the line to report for it.
func child(n *yaml.Node, step string) (*yaml.Node, int) {
	if i, ok := strings.CutPrefix(step, "["); ok {
		idx, err := strconv.Atoi(strings.TrimSuffix(i, "]"))
		if n.Kind != yaml.SequenceNode || err != nil || idx < 0 || idx >= len(n.Content) {
			return nil, 0
		}
		return n.Content[idx], n.Content[idx].Line
	}
	if n.Kind != yaml.MappingNode {
		return nil, 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == step {
			return n.Content[i+1], n.Content[i].Line
		}
	}
	return nil, 0
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// splitPath cuts "a.b[2].c" into "a", "b", "[2]", "c".
func splitPath(path string) []string {
	var steps []string
	for part := range strings.SplitSeq(path, ".") {
		for part != "" {
			i := strings.IndexByte(part[1:], '[')
			if i < 0 {
				steps = append(steps, part)
				break
			}
			steps = append(steps, part[:i+1])
			part = part[i+1:]
		}
	}
	return steps
}
