package workbook

import (
	"fmt"
	"os"
	"strings"

	"github.com/gokatas/concurrency/internal/catalog"
)

// WrongFixes is the kata's catalogue of wrong fixes as reading for a
// learner who has solved it: "fixes that look right and are not, and why",
// one section per case from its summary and WHY.md, as Markdown ("" when the
// kata has no catalogue).
func (w *Workbook) WrongFixes(k catalog.Kata) (string, error) {
	cases, err := w.Catalog.Cases(k, catalog.Wrong)
	if err != nil {
		return "", err
	}
	if len(cases) == 0 {
		return "", nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Fixes that look right and are not, and why\n\n")
	fmt.Fprintf(&b, "Each of these was tried by someone fixing this kata; the tests reject every one of them. The code of each is in %s/testdata/wrong/.\n", k.SolutionDir)
	for _, c := range cases {
		why, err := os.ReadFile(w.Catalog.Path(c.Dir, catalog.WhyFile))
		if err != nil {
			return "", fmt.Errorf("wrong fixes of %s: %w", k.ID, err)
		}
		fmt.Fprintf(&b, "\n## %s\n\n%s\n", sentence(c.Summary), demote(strings.TrimSpace(string(why))))
	}
	return b.String(), nil
}

// sentence capitalises a case summary for a heading.
func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// demote pushes a WHY.md's own headings below the case's heading.
func demote(md string) string {
	var b strings.Builder
	fence := false
	for line := range strings.Lines(md) {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
		}
		if !fence && strings.HasPrefix(line, "#") {
			line = "##" + line
		}
		b.WriteString(line)
	}
	return b.String()
}
