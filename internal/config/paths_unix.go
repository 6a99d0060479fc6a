//go:build unix

package config

import (
	"fmt"
	"syscall"
)

func access(path, shown string) error {
	if err := syscall.Access(path, 2 /* W_OK */); err != nil {
		return fmt.Errorf("cannot write %s: %w", shown, err)
	}
	return nil
}

func accessDir(path, shown string) error {
	if err := syscall.Access(path, 2|1 /* W_OK|X_OK */); err != nil {
		return fmt.Errorf("cannot write %s: %w", shown, err)
	}
	return nil
}
