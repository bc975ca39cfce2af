package main

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// pprofRow is one line of `go tool pprof -top`: a function with its own
// (flat) and cumulative amount, in nanoseconds for CPU profiles and in
// objects for allocation profiles.
type pprofRow struct {
	Flat, Cum float64
	Name      string
}

// parsePprofTop reads the rows of `go tool pprof -top` output:
//
//	flat  flat%   sum%        cum   cum%
//	1.06s 44.92% 44.92%      1.06s 44.92%  internal/runtime/syscall/linux.Syscall6
func parsePprofTop(text string) []pprofRow {
	var rows []pprofRow
	for line := range strings.SplitSeq(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasSuffix(f[1], "%") || !strings.HasSuffix(f[4], "%") {
			continue
		}
		flat, err1 := pprofAmount(f[0])
		cum, err2 := pprofAmount(f[3])
		if err1 != nil || err2 != nil {
			continue
		}
		rows = append(rows, pprofRow{Flat: flat, Cum: cum, Name: strings.Join(f[5:], " ")})
	}
	return rows
}

// pprofAmount parses a count ("344091") or a duration ("1.06s", "10ms")
// as a number (nanoseconds for durations).
func pprofAmount(s string) (float64, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return float64(d), nil
	}
	return strconv.ParseFloat(s, 64)
}

var totalRE = regexp.MustCompile(`Total samples = (\S+)`)

// profileTotal returns the CPU time a profile's header reports.
func profileTotal(text string) time.Duration {
	m := totalRE.FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	d, _ := time.ParseDuration(m[1])
	return d
}

// writeRows renders rows as a Markdown table of amounts per request:
// microseconds when unit is "µs", objects otherwise. cumOnly leaves out
// the own column, which is meaningless for a profile filtered with -show
// (hidden callees' time is charged to the shown caller).
func writeRows(w io.Writer, rows []pprofRow, unit string, requests uint64, cumOnly bool) {
	if requests == 0 {
		return
	}
	per := func(v float64) string {
		if unit == "µs" {
			return fmt.Sprintf("%.2f", v/1e3/float64(requests))
		}
		return fmt.Sprintf("%.2f", v/float64(requests))
	}
	if cumOnly {
		fmt.Fprintln(w, "| cumulative | function |")
		fmt.Fprintln(w, "|---:|---|")
		for _, r := range rows {
			fmt.Fprintf(w, "| %s | `%s` |\n", per(r.Cum), r.Name)
		}
		return
	}
	fmt.Fprintln(w, "| own | cumulative | function |")
	fmt.Fprintln(w, "|---:|---:|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | `%s` |\n", per(r.Flat), per(r.Cum), r.Name)
	}
}
