package catalog

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestExtras: level, categories and causes are checked field by field.
func TestExtras(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name   string
		change func(m map[string]any)
		field  string
	}{
		{"all valid", func(m map[string]any) {
			m["level"] = 2
			m["categories"] = []string{"blocking/wait", "nonblocking/traditional"}
			m["causes"] = []map[string]any{{"file": "a.go", "line": 3, "why": "Add runs inside the goroutine"}}
		}, ""},
		{"level too high", func(m map[string]any) { m["level"] = 9 }, "level"},
		{"unknown category", func(m map[string]any) { m["categories"] = []string{"blocking/spaghetti"} }, "categories"},
		{"cause in another file", func(m map[string]any) {
			m["causes"] = []map[string]any{{"file": "b.go", "line": 3, "why": "x"}}
		}, "causes"},
		{"cause at line 0", func(m map[string]any) {
			m["causes"] = []map[string]any{{"file": "a.go", "line": 0, "why": "x"}}
		}, "causes"},
		{"cause without why", func(m map[string]any) {
			m["causes"] = []map[string]any{{"file": "a.go", "line": 2, "why": " "}}
		}, "causes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := goodMeta()
			tt.change(m)
			c, err := Load(fixture(t, m))
			if tt.field == "" {
				require.NoError(t, err)
				k := c.Katas[0]
				assert.Equal(t, 2, k.Level)
				assert.Equal(t, []string{"blocking/wait", "nonblocking/traditional"}, k.Categories)
				assert.Equal(t, []Cause{{File: "a.go", Line: 3, Why: "Add runs inside the goroutine"}}, k.Causes)
				return
			}
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tt.field, fe.Field)
		})
	}
}

// TestCases: catalogue cases load with their files; malformed ones name the
// file and field.
func TestCases(t *testing.T) {
	defer goleak.VerifyNone(t)
	root := fixture(t, goodMeta())
	writeFile(t, root, "solutions/01-first/testdata/wrong/sleep/a.go", "package first\n")
	writeFile(t, root, "solutions/01-first/testdata/wrong/sleep/WHY.md", "A sleep.\n")
	writeFile(t, root, "solutions/01-first/testdata/wrong/sleep/case.json", `{"format":1,"summary":"sleeps","rejected_by":["race","panic"]}`)
	writeFile(t, root, "solutions/01-first/testdata/alt/channels/a.go", "package first\n")
	writeFile(t, root, "solutions/01-first/testdata/alt/channels/WHY.md", "Channels.\n")
	writeFile(t, root, "solutions/01-first/testdata/alt/channels/case.json", `{"format":1,"summary":"channels"}`)
	c, err := Load(root)
	require.NoError(t, err)
	k := c.Katas[0]
	wrong, err := c.Cases(k, Wrong)
	require.NoError(t, err)
	require.Len(t, wrong, 1)
	assert.Equal(t, Case{Kind: Wrong, Name: "sleep", Dir: "solutions/01-first/testdata/wrong/sleep", Summary: "sleeps",
		RejectedBy: []Detector{"race", "panic"}, Files: []string{"a.go"}}, wrong[0])
	alt, err := c.Cases(k, Alt)
	require.NoError(t, err)
	require.Len(t, alt, 1)
	assert.Empty(t, alt[0].RejectedBy)

	bad := []struct{ name, json, field string }{
		{"vet only", `{"format":1,"summary":"s","rejected_by":["vet"]}`, "rejected_by"},
		{"no kinds", `{"format":1,"summary":"s"}`, "rejected_by"},
		{"no summary", `{"format":1,"rejected_by":["race"]}`, "summary"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			writeFile(t, root, "solutions/01-first/testdata/wrong/sleep/case.json", b.json)
			_, err := c.Cases(k, Wrong)
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, b.field, fe.Field)
		})
	}
}

// TestRoutes: without routes.json one route takes every kata easy to hard;
// a route file names katas by number, and an empty list means all of them.
func TestRoutes(t *testing.T) {
	defer goleak.VerifyNone(t)
	m := goodMeta()
	m["level"] = 3
	root := fixture(t, m)
	writeFile(t, root, "katas/02-second/a.go", "package second\n")
	writeFile(t, root, "book/02-second.md", "# Second\n")
	writeFile(t, root, "katas/02-second/kata.json", `{"format":1,"id":"02-second","title":"Second","summary":"Fix.","files":["a.go"],"detectors":["race"],"minutes":5,"chapter":"book/02-second.md","originals":{"a.go":"`+goodHash+`"},"level":1}`)
	writeFile(t, root, "katas/101-ours/a.go", "package ours\n")
	writeFile(t, root, "book/101-ours.md", "# Ours\n")
	writeFile(t, root, "katas/101-ours/kata.json", `{"format":1,"id":"101-ours","title":"Ours","summary":"Fix.","files":["a.go"],"detectors":["race"],"minutes":5,"chapter":"book/101-ours.md","originals":{"a.go":"`+goodHash+`"},"level":2}`)
	c, err := Load(root)
	require.NoError(t, err)
	routes, err := c.Routes()
	require.NoError(t, err)
	require.Len(t, routes, 1)
	assert.Equal(t, []string{"02-second", "101-ours", "01-first"}, routes[0].Katas, "by level, a team kata in its place")

	writeFile(t, root, RoutesFile, `{"format":1,"routes":[{"id":"all","title":"All"},{"id":"short","title":"Short","katas":["1","101"]}]}`)
	short, err := c.Route("short")
	require.NoError(t, err)
	assert.Equal(t, []string{"01-first", "101-ours"}, short.Katas)
	first, err := c.Route("")
	require.NoError(t, err)
	assert.Len(t, first.Katas, 3)
	_, err = c.Route("nope")
	assert.ErrorContains(t, err, "known: all, short")

	writeFile(t, root, RoutesFile, `{"format":1,"routes":[{"id":"x","title":"X","katas":["07"]}]}`)
	_, err = c.Routes()
	assert.ErrorContains(t, err, `route "x"`)
}
