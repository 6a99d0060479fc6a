package load

import (
	"os"
	"strconv"
	"strings"
)

// knobs are read from the environment, so make loadtest takes them too.
type knobs struct {
	seconds              int
	signals, scenarios   []string
	protocol, forward    string
	compression          string
	queueDir             string // durable scenario: the forward queue's directory
	conns, workers, rate string
	profileDir           string
	steadySeconds        int // the steady scenario's length
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func readKnobs() knobs {
	s, _ := strconv.Atoi(env("DBINTEL_LOAD_SECONDS", "10"))
	steady, _ := strconv.Atoi(env("DBINTEL_LOAD_STEADY_SECONDS", "300"))
	return knobs{
		seconds:     max(s, 1),
		signals:     strings.Split(env("DBINTEL_LOAD_SIGNALS", "metrics,logs"), ","),
		scenarios:   strings.Split(env("DBINTEL_LOAD_SCENARIOS", "direct,floor,default,durable,collector"), ","),
		protocol:    env("DBINTEL_LOAD_PROTOCOL", "grpc"),
		forward:     env("DBINTEL_LOAD_FORWARD", "grpc"),
		compression: os.Getenv("DBINTEL_LOAD_COMPRESSION"),
		conns:       env("DBINTEL_LOAD_CONNS", "2"),
		workers:     env("DBINTEL_LOAD_WORKERS", "8"),
		rate:        env("DBINTEL_LOAD_RATE", "0"),
		profileDir:  os.Getenv("DBINTEL_LOAD_PROFILE"),

		steadySeconds: max(steady, 60),
	}
}

// genResult mirrors cmd/loadgen's JSON line.
type genResult struct {
	Items      int     `json:"items"`
	Requests   int     `json:"requests"`
	Refused    int     `json:"refused"`
	Errors     int     `json:"errors"`
	Seconds    float64 `json:"seconds"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	BodyBytes  int     `json:"body_bytes"`
	FirstError string  `json:"first_error"`
}
