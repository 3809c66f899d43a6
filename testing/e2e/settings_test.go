package e2e

import "github.com/sluicehq/sluice/pipeline"

func pipelineSettings() pipeline.Settings { return pipeline.Settings{} }
