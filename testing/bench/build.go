package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Packages the harness builds and runs.
const (
	pkgSluice   = "./cmd/sluice"
	pkgBroker   = "./testing/cmd/kafkabroker"
	pkgConsumer = "./testing/cmd/benchconsumer"
)

// binaries are the built programs.
type binaries struct {
	sluice, broker, consumer string
	goVersion                string
}

// buildAll builds sluice, kafkabroker and benchconsumer into dir with one go
// build from the module root.
func buildAll(dir string) (binaries, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return binaries{}, fmt.Errorf("finding the go command: %w", err)
	}
	out, err := exec.Command(goBin, "env", "GOMOD", "GOVERSION").Output()
	if err != nil {
		return binaries{}, fmt.Errorf("running go env: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 || lines[0] == "" || lines[0] == os.DevNull {
		return binaries{}, errors.New("finding the module root: run the harness inside the sluice module")
	}
	cmd := exec.Command(goBin, "build", "-o", dir+string(filepath.Separator), pkgSluice, pkgBroker, pkgConsumer)
	cmd.Dir = filepath.Dir(lines[0])
	if out, err := cmd.CombinedOutput(); err != nil {
		return binaries{}, fmt.Errorf("go build: %w\n%s", err, out)
	}
	return binaries{
		sluice:    filepath.Join(dir, "sluice"),
		broker:    filepath.Join(dir, "kafkabroker"),
		consumer:  filepath.Join(dir, "benchconsumer"),
		goVersion: lines[1],
	}, nil
}
