package chart

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goperflabs/labs/internal/proc"
)

// The browser tests drive Debian's chromium through its command line:
// --screenshot for a picture, --dump-dom for the page as the browser left
// it once its script had measured every series it drew.

// chromiumLimit is how long one chromium run may take on two busy cores.
const chromiumLimit = 90 * time.Second

// chromium is the browser's path; the test skips without one, unless
// PERFLAB_REQUIRE_CHROMIUM=1, as in CI, where it fails.
func chromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	if os.Getenv("PERFLAB_REQUIRE_CHROMIUM") == "1" {
		t.Fatalf("chromium is not on PATH and PERFLAB_REQUIRE_CHROMIUM=1: apt-get install chromium")
	}
	t.Skip("chromium is not on PATH (apt-get install chromium); skipping the browser test")
	return ""
}

// runChromium runs headless chromium on page with args, in a profile of
// its own, and checks that no process of it is left afterwards.
func runChromium(t *testing.T, page string, args ...string) []byte {
	t.Helper()
	bin := chromium(t)
	profile := t.TempDir()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir=" + profile}
	all := append(append(base, args...), "file://"+page)
	out, code, err := proc.Output(context.Background(), proc.Spec{Name: bin, Args: all, Env: append(os.Environ(), "HOME="+profile)}, chromiumLimit)
	require.NoError(t, err, "chromium")
	require.Zero(t, code, "chromium's exit status:\n%s", proc.Tail(out, 20))
	assert.Empty(t, processesUsing(profile), "chromium processes left running")
	return out
}

// processesUsing lists the processes whose command line mentions dir.
func processesUsing(dir string) []string {
	var left []string
	deadline := time.Now().Add(5 * time.Second)
	for {
		left = left[:0]
		cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
		for _, f := range cmdlines {
			if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(dir)) {
				left = append(left, filepath.Base(filepath.Dir(f)))
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// screenshot writes a PNG of page and checks it is one.
func screenshot(t *testing.T, page, png string) {
	t.Helper()
	runChromium(t, page, "--screenshot="+png, "--window-size=1200,900")
	data, err := os.ReadFile(png)
	require.NoError(t, err, "the screenshot")
	require.Greater(t, len(data), 1000, "the screenshot is too small to show anything")
	assert.True(t, bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")), "the screenshot is a PNG")
}

// dumpDOM returns the page as the browser left it.
func dumpDOM(t *testing.T, page string) string {
	t.Helper()
	out := string(runChromium(t, page, "--dump-dom", "--window-size=1200,900"))
	start, end := strings.Index(out, "<html"), strings.LastIndex(out, "</html>")
	require.True(t, start >= 0 && end > start, "no DOM in chromium's output:\n%s", out)
	return out[start : end+len("</html>")]
}

var (
	figureTag   = regexp.MustCompile(`(?s)<figure data-metric="([^"]+)">(.*?)</figure>`)
	polylineTag = regexp.MustCompile(`<polyline [^>]*>`)
	attr        = func(name string) *regexp.Regexp { return regexp.MustCompile(name + `="([^"]*)"`) }
)

// checkDrawn checks, in the DOM chromium dumped, that each metric's panel
// has a drawn line and a legend entry for each series.
func checkDrawn(t *testing.T, dom string, series ...string) {
	t.Helper()
	assert.Contains(t, dom, `data-measured="yes"`, "the page's script ran")
	panels := figureTag.FindAllStringSubmatch(dom, -1)
	require.Len(t, panels, len(Metrics), "one panel per metric")
	for i, p := range panels {
		assert.Equal(t, Metrics[i].Name, p[1])
		lines := map[string]string{}
		for _, tag := range polylineTag.FindAllString(p[2], -1) {
			lines[attr("data-series").FindStringSubmatch(tag)[1]] = tag
		}
		for _, name := range series {
			checkLine(t, p[1], name, lines[name])
			assert.Regexp(t, `data-legend="`+name+`"><line [^>]*/?>(</line>)?<text [^>]*>`+name+`: [0-9.]+ [A-Za-z]+ at the end</text>`, p[2], "%s: the legend names %s", p[1], name)
		}
	}
}

// checkLine checks that the browser measured the line it drew as longer
// than a dot and wider than nothing.
func checkLine(t *testing.T, panel, name, tag string) {
	t.Helper()
	if !assert.NotEmpty(t, tag, "%s: no line for %s", panel, name) {
		return
	}
	m := attr("data-drawn").FindStringSubmatch(tag)
	if !assert.NotNil(t, m, "%s: the browser did not measure %s's line: %s", panel, name, tag) {
		return
	}
	length, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	assert.Greater(t, length, 50.0, "%s: %s's line as drawn is %.1f px long", panel, name, length)
	box := attr("data-box").FindStringSubmatch(tag)
	require.NotNil(t, box)
	w, _ := strconv.ParseFloat(strings.Split(box[1], "x")[0], 64)
	assert.Greater(t, w, 50.0, "%s: %s's line as drawn is %s px", panel, name, box[1])
}

// fixedPage renders a page from made-up samples: yours flat, the shipped
// code climbing.
func fixedPage() Page {
	var yours, shipped Series
	yours.Name, shipped.Name, shipped.Failed = "yours", "shipped", true
	for i := range 200 {
		t := float64(i) * 0.01
		yours.Samples = append(yours.Samples, Sample{T: t, Live: 2 << 20, Goal: 4 << 20, Goroutines: 3, GC: float64(i / 20)})
		shipped.Samples = append(shipped.Samples, Sample{T: t, Live: float64(i * 300 << 10), Goal: float64(i * 600 << 10), Goroutines: float64(3 + 5*i), GC: float64(i / 10)})
	}
	return Page{Lab: "01-memory/retention", Workload: "TestIndexRetention", Series: []Series{yours, shipped}, Taken: time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)}
}

func writePage(t *testing.T, p Page) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, Render(&b, p))
	path := filepath.Join(t.TempDir(), "chart.html")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	return path
}

func TestBrowserDrawsBothSeries(t *testing.T) {
	page := writePage(t, fixedPage())
	png := filepath.Join(os.Getenv("PERFLAB_CHART_SHOTS"), "fixed.png")
	if os.Getenv("PERFLAB_CHART_SHOTS") == "" {
		png = filepath.Join(t.TempDir(), "fixed.png")
	}
	screenshot(t, page, png)
	checkDrawn(t, dumpDOM(t, page), "yours", "shipped")
}
