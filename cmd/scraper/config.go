package main

import (
	"fmt"
	"strings"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/internal/telemetry"
	"github.com/dbintel/dbintel/pkg/forward"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/pkg/scrape/mysql"
	"github.com/dbintel/dbintel/pkg/scrape/postgres"
	"go.yaml.in/yaml/v3"
)

// Config is the scraper's YAML file.
type Config struct {
	Scrape scrape.Config `yaml:"scrape"`
	// Postgres and MySQL are the shared settings of every target of their
	// kind; a dsn set here is one more target (the single-server form).
	Postgres postgres.Config `yaml:"postgres"`
	MySQL    mysql.Config    `yaml:"mysql"`
	// Targets are the database servers to scrape, each over the shared
	// settings of its kind.
	Targets []Target       `yaml:"targets"`
	Forward forward.Config `yaml:"forward"`
	// Gateways, when set, replaces forward.endpoint with several gateways:
	// each database server is sent to one of them by rendezvous hashing of
	// its service.instance.id (so its state stays on one gateway), and to
	// the next in its order while that one is down.
	Gateways  Endpoints        `yaml:"gateways"`
	Telemetry telemetry.Config `yaml:"telemetry"`
	Runtime   runtimeConfig    `yaml:"runtime"`
}

// Endpoints is a YAML list of endpoints, or one string of comma-separated
// endpoints so that a single ${env:...} can carry the list (Kubernetes sets
// the gateway replicas' names this way).
type Endpoints []string

// UnmarshalYAML takes a list or a comma-separated string ("" is none).
func (e *Endpoints) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		*e = list
		return nil
	}
	*e = nil
	for _, ep := range strings.Split(n.Value, ",") {
		if ep = strings.TrimSpace(ep); ep != "" {
			*e = append(*e, ep)
		}
	}
	return nil
}

// MarshalYAML prints the config (--validate) with credentials in gateway
// URLs redacted.
func (c Config) MarshalYAML() (any, error) {
	type plain Config
	p := plain(c)
	p.Gateways = make([]string, len(c.Gateways))
	for i, ep := range c.Gateways {
		p.Gateways[i] = config.RedactURL(ep)
	}
	return printTargets(p, c)
}

func defaultConfig() Config {
	fwd := forward.DefaultConfig()
	fwd.Endpoint = "localhost:4317"
	fwd.Insecure = true
	tel := telemetry.DefaultConfig()
	// A scraper usually shares its host with a database and maybe a
	// gateway: keep its own endpoints off the gateway's ports and on loopback.
	tel.MetricsEndpoint = "127.0.0.1:8889"
	tel.HealthEndpoint = "127.0.0.1:13134"
	tel.PprofEndpoint = ""
	tel.StatusEndpoint = "" // the status page is the gateway's
	return Config{
		Scrape:    scrape.DefaultConfig(),
		Postgres:  postgres.DefaultConfig(),
		MySQL:     mysql.DefaultConfig(),
		Forward:   fwd,
		Telemetry: tel,
		Runtime:   defaultRuntime(),
	}
}

// Validate reports every problem with its YAML path.
func (c Config) Validate() error {
	var p config.Problems
	p.Merge("scrape", c.Scrape.Validate())
	p.Merge("postgres", c.Postgres.Validate())
	p.Merge("mysql", c.MySQL.Validate())
	servers, problems := c.servers()
	p = append(p, problems...)
	for _, s := range servers {
		s.validate(&p)
	}
	if len(servers) == 0 && len(problems) == 0 && len(c.Targets) == 0 {
		p.Add("", "no database to scrape: list targets, or set postgres.dsn or mysql.dsn (e.g. ${env:DBINTEL_POSTGRES_DSN}, ${env:DBINTEL_MYSQL_DSN})")
	}
	p.Merge("forward", c.Forward.Validate())
	seen := map[string]bool{}
	for i, ep := range c.Gateways {
		path := fmt.Sprintf("gateways[%d]", i)
		if seen[ep] {
			p.Add(path, "%q is listed twice", config.RedactURL(ep))
		}
		seen[ep] = true
		fc := c.Forward
		fc.Endpoint = ep
		if err := fc.Validate(); err != nil {
			p.Add(path, "%v", err)
		}
	}
	if len(c.Gateways) > 0 && c.Forward.Sink.File != "" {
		p.Add("gateways", "cannot be combined with forward.sink.file")
	}
	p.Merge("telemetry", c.Telemetry.Validate())
	c.Runtime.validate(&p)
	return p.Err()
}
