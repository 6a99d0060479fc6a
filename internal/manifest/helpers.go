package manifest

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Port resolves a probe's or Service's port (a number or a port name) to
// the container's port number.
func (c Container) Port(nameOrNumber string) (int, bool) {
	if n, err := strconv.Atoi(nameOrNumber); err == nil {
		for _, p := range c.Ports {
			if p.ContainerPort == n {
				return n, true
			}
		}
		return 0, false
	}
	for _, p := range c.Ports {
		if p.Name == nameOrNumber {
			return p.ContainerPort, true
		}
	}
	return 0, false
}

// Mount returns the volume mounted at the deepest directory holding path.
func (c Container) Mount(path string) (volume, mountPath string, ok bool) {
	for _, m := range c.VolumeMounts {
		rel, err := filepath.Rel(m.MountPath, path)
		if err == nil && !strings.HasPrefix(rel, "..") && len(m.MountPath) > len(mountPath) {
			volume, mountPath, ok = m.Name, m.MountPath, true
		}
	}
	return volume, mountPath, ok
}

// MiB converts a memory quantity (Ki, Mi, Gi or plain bytes) to MiB.
func MiB(q string) (float64, error) {
	units := map[string]float64{"Ki": 1.0 / 1024, "Mi": 1, "Gi": 1024, "": 1.0 / (1 << 20)}
	for _, suf := range []string{"Ki", "Mi", "Gi", ""} {
		if num, ok := strings.CutSuffix(q, suf); ok {
			n, err := strconv.ParseFloat(num, 64)
			if err != nil {
				break
			}
			return n * units[suf], nil
		}
	}
	return 0, fmt.Errorf("memory quantity %q: want a number with Ki, Mi or Gi", q)
}
