package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"

	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/conf"
)

// FieldError is one configuration problem: the YAML path of the field, the
// line when known, and the problem. Load, Parse and Validate return
// FieldErrors joined with errors.Join; FieldErrors lists them.
type FieldError = conf.FieldError

var (
	// ErrUnknownField is wrapped by the FieldError of a key that names no
	// configuration field.
	ErrUnknownField = conf.ErrUnknownField
	// ErrUnsetVariable is wrapped by the FieldError of a value that refers to
	// an unset environment variable without a default.
	ErrUnsetVariable = conf.ErrUnsetVariable
	// ErrBadReference is wrapped by the FieldError of a malformed "${...}".
	ErrBadReference = conf.ErrBadReference
)

// FieldErrors lists the problems in err, as returned by Load, Parse or
// Validate, in the order they were found. An error that is not a FieldError
// (a YAML syntax error) is listed with an empty Path.
func FieldErrors(err error) []*FieldError { return conf.List(err) }

// Load reads the configuration file at path; see Parse.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("reading configuration: %w", err)
	}
	return Parse(data)
}

// Parse reads a YAML configuration:
//
//  1. environment references in values are expanded: "${NAME}",
//     "${NAME:-default}", "$$" for a literal "$" (any other "$" stays);
//  2. the document is checked strictly: unknown keys and values that do not
//     fit their field are errors, with their path and line;
//  3. it is decoded onto DefaultConfig, so fields the file leaves out keep
//     their defaults;
//  4. each override's settings are decoded onto a copy of the resolved
//     defaults section, so an override states only what differs;
//  5. the result is validated.
//
// When steps 1 to 4 fail, Parse returns a zero Config and their errors. Else
// it returns the configuration and Validate's errors, all of them, so a
// caller may still print what was read.
func Parse(data []byte) (Config, error) { return parseWith(data, os.LookupEnv) }

func parseWith(data []byte, lookup conf.LookupFunc) (Config, error) {
	doc, err := parseDocument(data)
	if err != nil {
		return Config{}, err
	}
	cfg := DefaultConfig()
	if doc == nil {
		return cfg, cfg.Validate()
	}
	if err := conf.ExpandEnv(doc, lookup); err != nil {
		return Config{}, err
	}
	if err := conf.Check(doc, reflect.TypeFor[Config]()); err != nil {
		return Config{}, err
	}
	if err := doc.Decode(&cfg); err != nil {
		return Config{}, fmt.Errorf("decoding configuration: %w", err)
	}
	settings := overrideSettings(doc)
	for i := range cfg.Overrides {
		cfg.Overrides[i].Settings = cfg.Defaults
		if i < len(settings) && settings[i] != nil {
			if err := settings[i].Decode(&cfg.Overrides[i].Settings); err != nil {
				return Config{}, fmt.Errorf("decoding overrides[%d].settings: %w", i, err)
			}
			dropForeignOptions(settings[i], &cfg.Overrides[i].Settings, cfg.Defaults)
		}
	}
	cfg.decodeStages()
	// Validation finds problems after decoding; the tree still tells where
	// each field is written.
	return cfg, conf.Locate(doc, cfg.Validate())
}

// decodeStages decodes the options of every topic's stages once, so that
// building the stages finds them decoded; Validate reports their problems.
func (c *Config) decodeStages() {
	topics := []*Topic{&c.Defaults}
	for i := range c.Overrides {
		topics = append(topics, &c.Overrides[i].Settings)
	}
	for _, t := range topics {
		for i := range t.Stages {
			_ = t.Stages[i].Decode("")
		}
	}
}

// dropForeignOptions forgets the options an override inherited from the
// defaults for a parser, partitioner or format whose type it changes
// without giving options of its own: options belong to their type, and the
// new one starts from its defaults.
func dropForeignOptions(settings *yaml.Node, t *Topic, defaults Topic) {
	for _, c := range []struct {
		name           string
		opts           *conf.Options
		typ, inherited string
	}{
		{"parser", &t.Parser.Options, t.Parser.Type, defaults.Parser.Type},
		{"partitioner", &t.Partitioner.Options, t.Partitioner.Type, defaults.Partitioner.Type},
		{"format", &t.Format.Options, t.Format.Type, defaults.Format.Type},
	} {
		if sec := mappingValue(settings, c.name); sec != nil && c.typ != c.inherited && mappingValue(sec, "options") == nil {
			*c.opts = conf.Options{}
		}
	}
}

// parseDocument parses data as one YAML document; nil for an empty one.
func parseDocument(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, fmt.Errorf("parsing YAML: %w", err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, errors.New("parsing YAML: want one document, found more")
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return &doc, nil
}

// overrideSettings returns the "settings" node of each item of the
// "overrides" list, nil where an item has none.
func overrideSettings(doc *yaml.Node) []*yaml.Node {
	list := mappingValue(doc.Content[0], "overrides")
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(list.Content))
	for i, item := range list.Content {
		out[i] = mappingValue(item, "settings")
	}
	return out
}

// mappingValue returns the value of key in mapping n, following aliases and
// merge keys the way yaml.v3 decodes them (explicit keys win); nil if absent.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		return nil
	}
	var merged []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.ShortTag() == "!!merge":
			if v = deref(v); v.Kind == yaml.SequenceNode {
				merged = append(merged, v.Content...)
			} else {
				merged = append(merged, v)
			}
		case k.Value == key:
			return v
		}
	}
	for _, m := range merged {
		if v := mappingValue(m, key); v != nil {
			return v
		}
	}
	return nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}
