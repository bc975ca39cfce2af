package ingress

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestParseSizeSyntax checks parseSize against the syntax it reads,
// written as a regular expression: the same inputs are accepted, with
// the same values.
func TestParseSizeSyntax(t *testing.T) {
	syntax := regexp.MustCompile(`^([0-9]+)([kKmMgG]?)$`)
	shifts := map[string]uint{"": 0, "k": 10, "m": 20, "g": 30}
	for _, v := range []string{"", "0", "1", "8m", "8M", "512k", "512K", "2g", "2G", "100", "007k", "k", "m", "1t", "1kb", "1 k", " 1k", "1k ",
		"-1", "+1", "1.5m", "１m", "9223372036854775807", "9223372036854775808", "4611686018427387904", "4611686018427387903k", "4194303g", "4194304g", "0x10"} {
		got, err := parseSize(v)
		m := syntax.FindStringSubmatch(v)
		if m == nil {
			if err == nil || !strings.Contains(err.Error(), "size in bytes") {
				t.Errorf("parseSize(%q) = %d, %v; want a syntax error", v, got, err)
			}
			continue
		}
		n, perr := strconv.ParseInt(m[1], 10, 64)
		shift := shifts[strings.ToLower(m[2])]
		if perr != nil || n > (1<<62)>>shift {
			if err == nil || !strings.Contains(err.Error(), "out of range") {
				t.Errorf("parseSize(%q) = %d, %v; want out of range", v, got, err)
			}
			continue
		}
		if err != nil || got != n<<shift {
			t.Errorf("parseSize(%q) = %d, %v; want %d", v, got, err, n<<shift)
		}
	}
}
