package pipeline

import (
	"fmt"
	"io"
	"strings"
)

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func fmtErr(err error) error { return fmt.Errorf("wrapped: %w", err) }
