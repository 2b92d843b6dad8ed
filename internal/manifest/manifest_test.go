package manifest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const good = `title = "Memory"

[[lab]]
name    = "retention"
title   = "Small strings, big arrays"
points  = 10
edit    = ["index.go"]
timeout = "20s"
hints   = ["one", "two", "three"]
`

func TestParseGood(t *testing.T) {
	ch, err := Parse("01-memory/labs.toml", "01-memory", []byte(good))
	require.NoError(t, err)
	require.Len(t, ch.Labs, 1)
	l := ch.Labs[0]
	assert.Equal(t, "01-memory/retention", l.ID())
	assert.Equal(t, 20*time.Second, l.Timeout.Duration)
	assert.Equal(t, 3, l.Line)
}

func TestParseErrorsNameFileAndLine(t *testing.T) {
	cases := []struct {
		name, edit, want string
	}{
		{"syntax", `points  = 10`, "01-memory/labs.toml:6: "},
		{"type", `points  = "ten"`, `01-memory/labs.toml:6: points: incompatible types`},
		{"unknown key", `pionts  = 10`, `01-memory/labs.toml:6: unknown key "lab.pionts"`},
		{"zero points", `points  = 0`, "01-memory/labs.toml:3: lab 1 (retention): points must be a positive number"},
		{"one hint", `hints   = ["only"]`, "01-memory/labs.toml:3: lab 1 (retention): has 1 hints; give 2 or 3"},
		{"bad timeout", `timeout = "soon"`, `01-memory/labs.toml:8: timeout "soon": want a duration such as "20s"`},
		{"file in a subfolder", `edit    = ["cmd/main.go"]`, `edit "cmd/main.go": list files of the lab directory by name`},
		{"parent folder", `edit    = [".."]`, `edit "..": list files of the lab directory by name`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := good
			for _, key := range []string{"points  =", "hints   =", "timeout =", "edit    ="} {
				if strings.HasPrefix(c.edit, key) || (c.name == "unknown key" && key == "points  =") {
					src = replaceLine(src, key, c.edit)
				}
			}
			if c.name == "syntax" {
				src = strings.Replace(src, "points  = 10", "points  = = 10", 1)
			}
			_, err := Parse("01-memory/labs.toml", "01-memory", []byte(src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func replaceLine(src, prefix, with string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			lines[i] = with
		}
	}
	return strings.Join(lines, "\n")
}

func TestDuplicateLab(t *testing.T) {
	src := good + "\n" + good[strings.Index(good, "[[lab]]"):]
	_, err := Parse("x/labs.toml", "x", []byte(src))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `x/labs.toml:11: lab "retention" is listed twice`)
}

func TestWorkload(t *testing.T) {
	ch, err := Parse("01-memory/labs.toml", "01-memory", []byte(good+`workload = "TestIndexRetention"`+"\n"))
	require.NoError(t, err)
	assert.Equal(t, "TestIndexRetention", ch.Labs[0].Workload)

	_, err = Parse("01-memory/labs.toml", "01-memory", []byte(good+`workload = "IndexRetention"`+"\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `workload "IndexRetention": name one test or benchmark`)

	_, err = Parse("01-memory/labs.toml", "01-memory", []byte(good+`workloads = "TestX"`+"\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "known: name, title, points, edit, timeout, hints, race, workload, screen_allow)")
}

func TestDataFileEdit(t *testing.T) {
	src := replaceLine(good, "edit    =", `edit    = ["default.pgo", "main.go"]`)
	ch, err := Parse("02-profiling/labs.toml", "02-profiling", []byte(src))
	require.NoError(t, err)
	l := ch.Labs[0]
	assert.Equal(t, []string{"default.pgo", "main.go"}, l.Edit)
	assert.Equal(t, []string{"default.pgo"}, l.DataFiles())
	assert.True(t, IsGo("main.go"))
	assert.False(t, IsGo("default.pgo"))
}
