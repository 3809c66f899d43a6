package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/testing/kafkatest"
)

// chartDir is the chart, relative to this package.
var chartDir = filepath.Join(repoRoot, "deploy", "helm", "sluice")

// object is the part of a rendered Kubernetes object the tests read.
type object struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       yaml.Node         `yaml:"spec"`
}

// statefulSetSpec is the part of a StatefulSet's spec the tests read.
type statefulSetSpec struct {
	Template struct {
		Spec struct {
			TerminationGracePeriodSeconds int64 `yaml:"terminationGracePeriodSeconds"`
			SecurityContext               struct {
				RunAsNonRoot bool  `yaml:"runAsNonRoot"`
				RunAsUser    int64 `yaml:"runAsUser"`
			} `yaml:"securityContext"`
			Containers []struct {
				Args            []string `yaml:"args"`
				SecurityContext struct {
					ReadOnlyRootFilesystem bool `yaml:"readOnlyRootFilesystem"`
				} `yaml:"securityContext"`
				StartupProbe   probe `yaml:"startupProbe"`
				LivenessProbe  probe `yaml:"livenessProbe"`
				ReadinessProbe probe `yaml:"readinessProbe"`
				Resources      struct {
					Requests map[string]string `yaml:"requests"`
					Limits   map[string]string `yaml:"limits"`
				} `yaml:"resources"`
				VolumeMounts []struct {
					Name      string `yaml:"name"`
					MountPath string `yaml:"mountPath"`
				} `yaml:"volumeMounts"`
				Ports []struct {
					Name          string `yaml:"name"`
					ContainerPort int    `yaml:"containerPort"`
				} `yaml:"ports"`
			} `yaml:"containers"`
		} `yaml:"spec"`
	} `yaml:"template"`
	VolumeClaimTemplates []struct {
		Metadata struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
	} `yaml:"volumeClaimTemplates"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

// sluiceConfig is the part of the rendered sluice.yaml the tests read.
type sluiceConfig struct {
	ShutdownTimeout string `yaml:"shutdown_timeout"`
	Buffer          struct {
		Dir string `yaml:"dir"`
	} `yaml:"buffer"`
}

// helm runs the helm binary and returns its standard output; stderr is in
// the error.
func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(Helm.Require(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Helm keeps its cache and configuration out of the user's home.
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home, "HELM_CONFIG_HOME="+home, "HELM_DATA_HOME="+home)
	if err := cmd.Run(); err != nil {
		return stdout.String(), errors.New(err.Error() + ": " + stderr.String())
	}
	return stdout.String(), nil
}

// render runs helm template and returns the objects by kind.
func render(t *testing.T, args ...string) map[string][]object {
	t.Helper()
	out, err := helm(t, append([]string{"template", "archive", chartDir}, args...)...)
	require.NoError(t, err)
	objs := map[string][]object{}
	dec := yaml.NewDecoder(strings.NewReader(out))
	for {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, out)
		if o.Kind != "" {
			objs[o.Kind] = append(objs[o.Kind], o)
		}
	}
	return objs
}

// buildSluice builds the sluice binary into a temporary directory.
func buildSluice(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sluice")
	out, err := exec.Command("go", "build", "-o", bin, "../../cmd/sluice").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// TestHelmChart lints and renders the chart with the default values and
// with values using secrets, checks the objects that matter, and runs
// "sluice validate" on the rendered configuration, with the environment
// the chart's Secret gives the pod.
func TestHelmChart(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		// memory is the container memory from memory_limit plus headroom.
		memory string
		grace  int64
		// monitor says a ServiceMonitor is rendered.
		monitor bool
	}{
		// 192MiB + 64MiB (25% is less than the 64MiB minimum); 1m + 30s.
		{"default values", nil, "256Mi", 90, false},
		// 1GiB + 25%; 2m30s + 30s.
		{"secure values", []string{"-f", "testdata/values-secure.yaml"}, "1280Mi", 180, true},
	}
	Helm.Require(t)
	sluice := buildSluice(t)
	// The Kafka CA the secure values name: validate reads it.
	caFile := kafkatest.NewCerts(t).CAFile
	tests[1].values = append(tests[1].values, "--set-file", `secrets.files.values.kafka-ca\.pem=`+caFile)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := helm(t, append([]string{"lint", "--strict", chartDir}, tt.values...)...)
			require.NoError(t, err, out)
			assert.Contains(t, out, "0 chart(s) failed")

			objs := render(t, tt.values...)
			require.Len(t, objs["ConfigMap"], 1)
			require.Len(t, objs["StatefulSet"], 1)
			require.Len(t, objs["PodDisruptionBudget"], 1)
			require.Len(t, objs["Service"], 1)
			assert.Len(t, objs["ServiceMonitor"], map[bool]int{true: 1}[tt.monitor])

			// The configuration validates with the pod's environment.
			text := objs["ConfigMap"][0].Data["sluice.yaml"]
			require.NotEmpty(t, text)
			// The files Secret's entries are where the pod has them
			// (secrets.files.mountPath), here under a temporary directory.
			secretsDir := t.TempDir()
			env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
			for _, s := range objs["Secret"] {
				switch {
				case strings.HasSuffix(s.Metadata.Name, "-env"):
					for k, v := range s.StringData {
						env = append(env, k+"="+v)
					}
				case strings.HasSuffix(s.Metadata.Name, "-files"):
					for k, v := range s.StringData {
						require.NoError(t, os.WriteFile(filepath.Join(secretsDir, k), []byte(v), 0o600))
					}
				}
			}
			file := filepath.Join(t.TempDir(), "sluice.yaml")
			local := strings.ReplaceAll(text, secretsMount+"/", secretsDir+"/")
			require.NoError(t, os.WriteFile(file, []byte(local), 0o644))
			cmd := exec.Command(sluice, "validate", "-c", file)
			cmd.Env = env
			vout, err := cmd.CombinedOutput()
			require.NoError(t, err, "sluice validate:\n%s\nconfig:\n%s", vout, text)
			assert.Contains(t, string(vout), ": ok")

			var cfg sluiceConfig
			require.NoError(t, yaml.Unmarshal([]byte(text), &cfg))
			var sts statefulSetSpec
			require.NoError(t, objs["StatefulSet"][0].Spec.Decode(&sts))
			pod := sts.Template.Spec
			shutdown, err := time.ParseDuration(cfg.ShutdownTimeout)
			require.NoError(t, err)
			assert.Equal(t, tt.grace, pod.TerminationGracePeriodSeconds)
			assert.Greater(t, time.Duration(pod.TerminationGracePeriodSeconds)*time.Second, shutdown,
				"the grace period outlasts shutdown_timeout")
			assert.True(t, pod.SecurityContext.RunAsNonRoot)
			assert.NotZero(t, pod.SecurityContext.RunAsUser)

			require.Len(t, pod.Containers, 1)
			c := pod.Containers[0]
			assert.Equal(t, []string{"run", "-c", "/etc/sluice/sluice.yaml"}, c.Args)
			assert.True(t, c.SecurityContext.ReadOnlyRootFilesystem)
			assert.Equal(t, "/healthz", c.StartupProbe.HTTPGet.Path)
			assert.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
			assert.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
			assert.Equal(t, "health", c.ReadinessProbe.HTTPGet.Port)
			assert.Equal(t, tt.memory, c.Resources.Limits["memory"])
			assert.Equal(t, tt.memory, c.Resources.Requests["memory"])

			// Each pod has its own buffer volume, and buffer.dir is on it.
			require.Len(t, sts.VolumeClaimTemplates, 1)
			assert.Equal(t, "buffer", sts.VolumeClaimTemplates[0].Metadata.Name)
			mounted := false
			for _, m := range c.VolumeMounts {
				if m.Name == "buffer" {
					mounted = strings.HasPrefix(cfg.Buffer.Dir, m.MountPath+"/")
				}
			}
			assert.True(t, mounted, "buffer.dir %q is below the buffer volume's mount", cfg.Buffer.Dir)
		})
	}
}

// secretsMount is where the chart mounts secrets.files (its default
// secrets.files.mountPath).
const secretsMount = "/etc/sluice/secrets"

// TestHelmChartRefuses: values that would break the pod fail to render,
// with a message saying why.
func TestHelmChartRefuses(t *testing.T) {
	tests := []struct {
		name string
		set  []string
		want string
	}{
		{"no health listener", []string{"--set", "config.health.listen="}, "config.health.listen must be set"},
		{"grace period too short", []string{"--set", "terminationGracePeriodSeconds=60"},
			"terminationGracePeriodSeconds (60) must exceed config.shutdown_timeout (60s)"},
		{"unreadable memory_limit", []string{"--set", "config.memory_limit=lots"}, `cannot read the byte size "lots"`},
		{"service monitor without prometheus", []string{"--set", "serviceMonitor.enabled=true",
			"--set", "config.telemetry.metrics.exporters={otlp}"}, "serviceMonitor.enabled needs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := helm(t, append([]string{"template", "archive", chartDir}, tt.set...)...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestHelmChartSharedPort: with prometheus_listen the same as health.listen,
// one port serves probes and scrapes, and the ServiceMonitor scrapes it.
func TestHelmChartSharedPort(t *testing.T) {
	objs := render(t, "--set", "config.telemetry.metrics.prometheus_listen=:8080", "--set", "serviceMonitor.enabled=true")
	var svc struct {
		Ports []struct {
			Name string `yaml:"name"`
			Port int    `yaml:"port"`
		} `yaml:"ports"`
	}
	decodeOnly(t, objs, "Service", &svc)
	require.Len(t, svc.Ports, 1)
	assert.Equal(t, "health", svc.Ports[0].Name)
	assert.Equal(t, 8080, svc.Ports[0].Port)
	var sm struct {
		Endpoints []struct {
			Port string `yaml:"port"`
			Path string `yaml:"path"`
		} `yaml:"endpoints"`
	}
	decodeOnly(t, objs, "ServiceMonitor", &sm)
	require.Len(t, sm.Endpoints, 1)
	assert.Equal(t, "health", sm.Endpoints[0].Port)
	assert.Equal(t, "/metrics", sm.Endpoints[0].Path)
}

// decodeOnly decodes the spec of the one object of kind into v.
func decodeOnly(t *testing.T, objs map[string][]object, kind string, v any) {
	t.Helper()
	require.Len(t, objs[kind], 1)
	require.NoError(t, objs[kind][0].Spec.Decode(v))
}
