package status

import (
	"testing"

	"go.uber.org/goleak"
)

// Tests start goroutines (concurrent batches, HTTP servers): none may outlive them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
