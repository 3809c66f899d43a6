// Package ready writes the ready file of the test servers in testing/cmd
// (kafkabroker, schemaregistry, s3faultproxy): the address a server listens
// on, written atomically so that the test starting it reads all or nothing.
package ready

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Write writes data to the file at path through a temporary file in the
// same directory and a rename.
func Write(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ready-*")
	if err != nil {
		return fmt.Errorf("writing the ready file: %w", err)
	}
	_, werr := tmp.Write(data)
	if err := errors.Join(werr, tmp.Close()); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing the ready file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing the ready file: %w", err)
	}
	return nil
}
