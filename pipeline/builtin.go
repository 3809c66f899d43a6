package pipeline

// The built-in stages a topic's "stages:" list can name, always available.
import (
	_ "github.com/sluicehq/sluice/stages/filter"
	_ "github.com/sluicehq/sluice/stages/transform"
)
