package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// WritableFile reports why path cannot be created or appended to by this
// process, or nil. It writes nothing: an existing file must be writable, a
// missing one needs a writable directory. A relative path is shown with the
// working directory it resolves against, the usual surprise under systemd
// or in a container.
func WritableFile(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	shown := shownPath(path, abs)
	if st, err := os.Stat(abs); err == nil {
		if st.IsDir() {
			return fmt.Errorf("%s is a directory", shown)
		}
		return access(abs, shown)
	}
	return WritableDir(filepath.Dir(abs), shown)
}

// WritableDir reports why dir cannot be used (or created) as a writable
// directory, or nil; shown names it in the message (dir when empty).
func WritableDir(dir, shown string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if shown == "" {
		shown = shownPath(dir, abs)
	}
	// The nearest existing ancestor decides whether the rest can be made.
	for p := abs; ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		switch {
		case err == nil && !st.IsDir():
			return fmt.Errorf("%s: %s is not a directory", shown, p)
		case err == nil:
			if p != abs {
				return accessDir(p, fmt.Sprintf("%s (to create it in %s)", shown, p))
			}
			return accessDir(p, shown)
		case !errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("%s: %w", shown, unwrapPath(err))
		case p == filepath.Dir(p):
			return fmt.Errorf("%s: no existing parent directory", shown)
		}
	}
}

func shownPath(path, abs string) string {
	if filepath.IsAbs(path) {
		return path
	}
	wd, err := os.Getwd()
	if err != nil {
		return abs
	}
	return fmt.Sprintf("%s (in the working directory %s)", path, wd)
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
