package deploy

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot is the repository root, relative to this package.
const repoRoot = "../.."

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd, args string
}

// readDockerfile returns the Dockerfile's instructions, split by stage.
func readDockerfile(t *testing.T) [][]instruction {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	require.NoError(t, err)
	var stages [][]instruction
	var line string
	for raw := range strings.SplitSeq(string(data), "\n") {
		raw = strings.TrimSpace(raw)
		if line == "" && (raw == "" || strings.HasPrefix(raw, "#")) {
			continue
		}
		if s, ok := strings.CutSuffix(raw, "\\"); ok {
			line += s + " "
			continue
		}
		line += raw
		cmd, args, _ := strings.Cut(line, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		line = ""
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	return stages
}

func find(stage []instruction, cmd string) []instruction {
	var out []instruction
	for _, in := range stage {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// TestDockerfile checks the image's shape: a build stage whose go build
// makes a static binary of ./cmd/sluice, copied into a distroless static
// (or scratch with CA certificates) final stage that runs it as a non-root
// user; then it runs that very build command and checks the binary is
// static.
func TestDockerfile(t *testing.T) {
	stages := readDockerfile(t)
	require.GreaterOrEqual(t, len(stages), 2, "a multi-stage build")
	build, final := stages[0], stages[len(stages)-1]

	from := strings.Fields(final[0].args)[0]
	switch from {
	case "gcr.io/distroless/static-debian12:nonroot":
	case "scratch":
		copies := find(final, "COPY")
		assert.True(t, strings.Contains(strings.Join(fieldsOf(copies), " "), "ca-certificates"),
			"a scratch image needs CA certificates")
	default:
		t.Errorf("final stage FROM %q: want gcr.io/distroless/static-debian12:nonroot or scratch", from)
	}
	users := find(final, "USER")
	require.NotEmpty(t, users, "the final stage names its user")
	user := users[len(users)-1].args
	assert.NotRegexp(t, `^(root|0)(:|$)`, user, "non-root user")

	var runs []string
	for _, r := range find(build, "RUN") {
		if strings.Contains(r.args, "go build") {
			runs = append(runs, r.args)
		}
	}
	require.Len(t, runs, 1, "one go build in the build stage")
	run := runs[0]
	assert.Contains(t, run, "CGO_ENABLED=0")
	assert.Contains(t, run, "./cmd/sluice")
	out := regexp.MustCompile(`-o\s+(\S+)`).FindStringSubmatch(run)
	require.NotNil(t, out, "go build names its output")
	var copied string
	for _, c := range find(final, "COPY") {
		f := strings.Fields(c.args)
		if len(f) == 3 && strings.HasPrefix(f[0], "--from=") && f[1] == out[1] {
			copied = f[2]
		}
	}
	require.NotEmpty(t, copied, "the final stage copies %s from the build stage", out[1])
	entry := find(final, "ENTRYPOINT")
	require.NotEmpty(t, entry)
	assert.Contains(t, entry[len(entry)-1].args, `"`+copied+`"`, "the entrypoint runs the copied binary")

	if testing.Short() {
		t.Log("-short: not running the build command")
		return
	}
	// The build command itself, from the repository root, into a temporary
	// directory instead of /out.
	bin := filepath.Join(t.TempDir(), "sluice")
	cmd := exec.Command("sh", "-c", strings.Replace(run, out[0], "-o "+bin, 1))
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	outb, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s\n%s", run, outb)
	requireStatic(t, bin)
	help, err := exec.Command(bin, "--help").CombinedOutput()
	require.NoError(t, err, "%s", help)
	assert.Contains(t, string(help), "validate")
}

func fieldsOf(ins []instruction) []string {
	out := make([]string, len(ins))
	for i, in := range ins {
		out[i] = in.args
	}
	return out
}

// requireStatic fails unless bin is a static executable.
func requireStatic(t *testing.T, bin string) {
	t.Helper()
	problems, err := staticProblems(bin)
	require.NoError(t, err)
	assert.Empty(t, problems, "%s is not static", bin)
}

// staticProblems says why an ELF executable is not static: a program
// interpreter, a dynamic section, shared libraries, or file(1) not calling
// it statically linked.
func staticProblems(bin string) ([]string, error) {
	f, err := elf.Open(bin)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var problems []string
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			problems = append(problems, "has a program interpreter")
		case elf.PT_DYNAMIC:
			problems = append(problems, "has a dynamic section")
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return nil, err
	}
	if len(libs) > 0 {
		problems = append(problems, "needs "+strings.Join(libs, ", "))
	}
	if file, err := exec.LookPath("file"); err == nil {
		out, err := exec.Command(file, bin).CombinedOutput()
		if err != nil {
			return nil, err
		}
		if !strings.Contains(string(out), "statically linked") {
			problems = append(problems, "file(1) says: "+strings.TrimSpace(string(out)))
		}
	}
	return problems, nil
}

// TestStaticProblemsFindsDynamic: the check can fail, on the system's
// (dynamically linked) shell.
func TestStaticProblemsFindsDynamic(t *testing.T) {
	sh, err := exec.LookPath("sh")
	require.NoError(t, err)
	sh, err = filepath.EvalSymlinks(sh)
	require.NoError(t, err)
	problems, err := staticProblems(sh)
	require.NoError(t, err)
	assert.Contains(t, problems, "has a program interpreter")
}
