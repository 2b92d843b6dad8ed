package cli

import "fmt"

// helps holds each command's --help text: its usage line and options.
var helps = map[string]string{
	"perflab": "Usage: go run ./cmd/perflab\n\nShows your progress and checks the next unfinished lab.\n",
	"list":    "Usage: go run ./cmd/perflab list [--json]\n\nRuns every lab's tests and prints one line per lab.\n  --json   the results as JSON, as check --json prints them\n",
	"check": `Usage: go run ./cmd/perflab check [--json] [LAB|CHAPTER|all …]

Runs the tests of the labs named (with none: the lab whose folder you are
in, or every lab) and explains each failure. A lab whose code is
concurrent (race = true in its labs.toml) passes only if its tests pass
plain and under -race.
  --json   one JSON object per lab, with each test's gate figures
`,
	"hint": `Usage: go run ./cmd/perflab hint [--all] LAB

Shows the lab's next hint; each lab has two or three.
  --all    show again every hint given so far, without a new one
`,
	"watch": `Usage: go run ./cmd/perflab watch [--poll] [LAB]

Checks a lab, then again each time you save one of its files; moves on
when it passes. q then Enter quits.
  --poll   look at file times every half second, where file events never
           arrive (WSL's /mnt, NFS)
`,
	"solution": `Usage: go run ./cmd/perflab solution [--reveal] LAB

Shows the reference solution as a diff against your files, once your lab
passes.
  --reveal  show it even though the lab does not pass yet
`,
	"reset": `Usage: go run ./cmd/perflab reset [--from REV] LAB

Restores the lab's files as git has them, after saving yours in
.perflab/backup/<time>/; prints the restore command that undoes it.
  --from REV   the commit to restore from (default HEAD)
`,
	"restore": `Usage: go run ./cmd/perflab restore LAB [BACKUP]

Puts back the lab's files from a backup in .perflab/backup/ (the newest
that holds the lab, or the one named), after backing up the files it
replaces.
`,
	"bench": `Usage: go run ./cmd/perflab bench [--count N] [--vs shipped|solution] [--bench RE] LAB

Builds the lab's test binary twice, from your files and from the shipped
ones (git's HEAD, swapped in with -overlay: your files are not touched),
runs their benchmarks in interleaved rounds and prints a benchstat table:
each benchmark's median and 95% interval per unit, the change, its p-value
and n. A change that is not significant prints ~.
  --count N    rounds of each (default 10)
  --vs V       shipped (default), or solution once the lab passes
  --bench RE   which benchmarks (default all)
`,
	"profile": `Usage: go run ./cmd/perflab profile [--cpu|--heap|--allocs|--mutex|--block|--goroutine|--trace] [--svg FILE] [--base] [--web] [--bench RE] [--benchtime D] [--run RE] LAB

Builds the lab's test binary (outside the lab's folder), runs its
benchmarks, or its tests when it has none, with one profile on, and keeps
the profile in .perflab/profiles/<chapter>-<lab>/<kind>-<time>.pprof (a new
file each time). Prints the top 10 functions by flat and by cumulative
cost, your code marked », and the go tool pprof command that opens it.
  --cpu        where the CPU time goes (the default)
  --heap       memory still in use at the end (every allocation recorded)
  --allocs     memory allocated, in all
  --mutex      time goroutines waited for a sync.Mutex another held
  --block      time goroutines spent blocked (channels, locks, select)
  --goroutine  the goroutines alive when the most were
  --trace      an execution trace instead, and the go tool trace command
  --svg FILE   also write a flame graph as SVG (no Graphviz needed)
  --base       show the change since the lab's previous profile of the
               same kind (go tool pprof -diff_base)
  --web        serve it with go tool pprof -http on 127.0.0.1 until Ctrl-C
  --bench RE   which benchmarks (default all)
  --benchtime D  how long each benchmark runs (go test's -benchtime)
  --run RE     which tests, for a lab without benchmarks (default all)
`,
	"chart": `Usage: go run ./cmd/perflab chart LAB

Runs the lab's workload (the test or benchmark its labs.toml names as
workload) twice, on your files and on the shipped ones (git's HEAD,
swapped in with -overlay: your files are not touched), while a file added
to the test binary samples runtime/metrics every 2 ms: live heap, heap
goal, goroutines and GC cycles. Writes one self-contained HTML page (inline
SVG, nothing from the network) with both series over time in
.perflab/charts/<chapter>-<lab>/chart-<time>.html (a new file each time),
prints each figure at the end of the run and the page's path. A leak
climbs; a fix stays flat. Failing tests are charted all the same (a lab's
fail until it is fixed); each run has the lab's time limit.
`,
	"doctor": "Usage: go run ./cmd/perflab doctor\n\nChecks what the course needs on this machine and says how to install what is missing.\n",
	"verify": `Usage: go run ./cmd/perflab verify [-p N] [--from REV | --working-tree] [LAB|CHAPTER|all …]

For maintainers: proves each lab as committed (git's HEAD, never your
edits) is sound: it fails in a test as shipped, within 20 s and 1 GiB; it
passes with its solution, plain and under -race; each kept wrong fix in
solutions/<chapter>/<lab>/wrong/ fails (never by a build error) and each alternative in
.../alt/ passes. Ends with "N passed, N failed".
  -p N            go test commands at once (default: one per CPU)
  --from REV      prove the labs of another commit
  --working-tree  prove the files as they are now, edits included
  --grade         instead, grade every reference solution and kept
                  alternative through perflab grade (sandbox included):
                  each must score full marks
`,
	"grade": `Usage: go run ./cmd/perflab grade [options] [SUBMISSION…]
       go run ./cmd/perflab grade --merge [--csv FILE] REPORT.json…

For teachers: grades submissions against the course as committed (git's
HEAD of the course's checkout): its tests, test kit and manifests, with
only each lab's edit files taken from the submission. With no
submission, grades this checkout's working tree. One submission prints
its report and a line per lab on stderr as it finishes; several (or one
with --results or --csv) are a class: a line per submission, a report
each in RESULTS/NAME.json and one CSV. Exits 0 only when every lab
scored. Each lab's tests are built outside and run in a bubblewrap
sandbox (install bubblewrap; perflab doctor checks it). See TEACHING.md.
  --course DIR      the course's checkout (default: the one this folder
                    is in)
  --rev REV         grade against this commit of the course (default HEAD)
  --working-tree    grade against a course folder that is not a git
                    checkout, as it is on disk, not a pinned commit
  --labs L,…        grade these labs or chapters only (default all)
  --mem MiB         memory limit of a lab run (default 2048; twice as much
                    under -race)
  --format F        the report on stdout as text (default), json,
                    gradescope, github or csv
  --json            the same as --format json
  --out F=PATH      also write the report in format F to PATH (- is
                    stdout); repeatable: --out gradescope=results.json
                    --out csv=grades.csv. With --out and no --format,
                    nothing else goes to stdout
  -p N              grade N submissions of a class at once (default 1)
  --results DIR     a class's reports, NAME.json, each signed in
                    NAME.json.hmac (default: grades here, or outside the
                    course's checkout when here is inside it); a signed
                    report of the same work is reused, not graded again
  --csv FILE        the class's CSV (default RESULTS/grades.csv); with
                    --merge, the merged CSV (default stdout)
  --merge           merge --json reports (a class workflow's artifacts)
                    into one CSV, without grading
  --unsandboxed     run the submissions' code without the bubblewrap
                    sandbox, as you, with your files and network: only
                    for work you trust, where no sandbox can be made
`,
}

// commandHelp returns a command's --help text.
func commandHelp(name string) string {
	if h, ok := helps[name]; ok {
		return h
	}
	return fmt.Sprintf("Usage: go run ./cmd/perflab %s\n\nRun go run ./cmd/perflab help for every command.\n", name)
}
