package proxy

import (
	"regexp"
	"strconv"
	"strings"
)

// Browsers that mishandle SameSite=None, for
// Affinity.ConditionalSameSiteNone. The list is the one Chromium published
// when Chrome 80 made SameSite=Lax the default: these clients either reject
// a cookie with SameSite=None or treat it as Strict, so they must get the
// cookie without the attribute.
var (
	// Every browser of iOS 12 uses WebKit, which treats None as Strict.
	ios12 = regexp.MustCompile(`\(iP.+; CPU .*OS 12[_\d]*.*\) AppleWebKit/`)
	// Safari, and browsers embedding WebKit, on macOS 10.14 do the same.
	macOS1014 = regexp.MustCompile(`\(Macintosh;.*Mac OS X 10_14[_\d]*.*\) AppleWebKit/`)
	// Chrome and Chromium 51 to 66 reject the cookie.
	chrome51to66 = regexp.MustCompile(`Chrom(e|ium)/(5[1-9]|6[0-6])\.`)
	// UC Browser before 12.13.2 rejects it too.
	ucBrowser = regexp.MustCompile(`UCBrowser/(\d+)\.(\d+)\.(\d+)`)
)

// rejectsSameSiteNone reports whether the browser with this User-Agent
// must not be sent SameSite=None.
func rejectsSameSiteNone(ua string) bool {
	switch {
	case ua == "":
		return false
	case ios12.MatchString(ua), chrome51to66.MatchString(ua):
		return true
	case macOS1014.MatchString(ua):
		safari := strings.Contains(ua, "Version/") && strings.Contains(ua, "Safari") && !strings.Contains(ua, "Chrom")
		embedded := strings.HasSuffix(ua, "(KHTML, like Gecko)")
		return safari || embedded
	}
	if m := ucBrowser.FindStringSubmatch(ua); m != nil {
		v := [3]int{}
		for i := range v {
			v[i], _ = strconv.Atoi(m[i+1])
		}
		return v[0] < 12 || v[0] == 12 && (v[1] < 13 || v[1] == 13 && v[2] < 2)
	}
	return false
}
