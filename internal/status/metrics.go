package status

import (
	"sort"
	"strings"

	dto "github.com/prometheus/client_model/go"

	"github.com/dbintel/dbintel/pkg/contract"
)

// metricIndex reads gathered self-metrics by family name.
type metricIndex map[string]*dto.MetricFamily

func index(families []*dto.MetricFamily) metricIndex {
	m := make(metricIndex, len(families))
	for _, f := range families {
		m[f.GetName()] = f
	}
	return m
}

func value(s *dto.Metric) float64 {
	switch {
	case s.Counter != nil:
		return s.Counter.GetValue()
	case s.Gauge != nil:
		return s.Gauge.GetValue()
	case s.Untyped != nil:
		return s.Untyped.GetValue()
	}
	return 0
}

func matches(s *dto.Metric, filter map[string]string) bool {
	n := 0
	for _, l := range s.GetLabel() {
		if want, ok := filter[l.GetName()]; ok {
			if l.GetValue() != want {
				return false
			}
			n++
		}
	}
	return n == len(filter)
}

func (m metricIndex) sum(name string, filter map[string]string) float64 {
	var total float64
	for _, s := range m[name].GetMetric() {
		if matches(s, filter) {
			total += value(s)
		}
	}
	return total
}

func (m metricIndex) histogram(name string, filter map[string]string) *dto.Histogram {
	for _, s := range m[name].GetMetric() {
		if matches(s, filter) {
			return s.GetHistogram()
		}
	}
	return nil
}

// by sums name per value of label over the series that match filter,
// sorted by label, leaving out zeros (except for gauges of state and rate,
// where 0 is news). Label values are shown to people: whoever registered
// the metric, they are made valid and bounded (contract.BoundLabel).
func (m metricIndex) by(name, label string, filter map[string]string) []Count {
	acc := map[string]float64{}
	for _, s := range m[name].GetMetric() {
		if !matches(s, filter) {
			continue
		}
		for _, l := range s.GetLabel() {
			if l.GetName() == label {
				acc[contract.BoundLabel(l.GetValue())] += value(s)
			}
		}
	}
	rows := make([]Count, 0, len(acc))
	for k, v := range acc {
		if v != 0 || strings.HasSuffix(name, "_state") || strings.HasSuffix(name, "_rate") {
			rows = append(rows, Count{Name: k, Value: v})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	return rows
}

func lookup(rows []Count, name string) float64 {
	for _, r := range rows {
		if r.Name == name {
			return r.Value
		}
	}
	return 0
}
