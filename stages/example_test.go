package stages_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages"
)

// UppercaseOptions are the options of the example's stage, as a topic's
// configuration writes them:
//
//	stages:
//	  - uppercase: {field: name}
type UppercaseOptions struct {
	// Field is the field whose text is upper-cased.
	Field string `yaml:"field"`
}

// Validate is called on the decoded options; its problems are reported with
// their YAML path and line, like sluice's own.
func (o *UppercaseOptions) Validate() error {
	if o.Field == "" {
		return errors.New("field is required")
	}
	return nil
}

// uppercase is a stage: deterministic, it changes one field of every record
// and drops the records that have no such field.
type uppercase struct{ field string }

func (u uppercase) Process(_ context.Context, b *model.Batch) error {
	b.Keep(func(r *model.Record) bool {
		v, ok := r.Field(u.field)
		s, isText := v.(string)
		if !ok || !isText {
			return false // filtered: its round accounts for it
		}
		return r.SetField(u.field, strings.ToUpper(s)) == nil
	})
	return nil
}

// A program registers its stage before it loads a configuration (usually in
// an init function, next to the stage), then calls cli.Main.
func ExampleRegister() {
	stages.MustRegister(stages.NewFactory("uppercase",
		func() UppercaseOptions { return UppercaseOptions{Field: "name"} },
		func(o UppercaseOptions, _ stages.Settings) (stages.Stage, error) {
			return uppercase{field: o.Field}, nil
		}))

	// What the pipeline does with a topic's "stages:" entry.
	f, err := stages.Lookup("uppercase")
	if err != nil {
		panic(err)
	}
	st, err := f.New(&UppercaseOptions{Field: "name"}, stages.Settings{Topic: "users"})
	if err != nil {
		panic(err)
	}
	b := &model.Batch{Topic: "users", Records: []model.Record{
		{Offset: 7, Value: []byte(`{"name":"ada","id":1}`)},
		{Offset: 8, Value: []byte(`{"id":2}`)},
	}}
	if err := st.Process(context.Background(), b); err != nil {
		panic(err)
	}
	for i := range b.Records {
		_ = b.Records[i].Sync() // the pipeline re-encodes changed values before the buffer
		fmt.Println(b.Records[i].Offset, string(b.Records[i].Value))
	}
	fmt.Println("filtered:", b.Filtered.Ranges())
	// Output:
	// 7 {"id":1,"name":"ADA"}
	// filtered: [{8 8}]
}
