package workbook

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/proc"
	"github.com/gokatas/concurrency/internal/progress"
)

// Row is one kata in the list of katas, with the learner's progress on it.
type Row struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Status  string   `json:"status"` // "pending" or "solved"
	Current bool     `json:"current"`
	Files   []string `json:"files"` // the files to edit, from the root
	Minutes int      `json:"minutes"`
	// Attempts counts checks; Hints is the highest hint level read.
	Attempts int `json:"attempts"`
	Hints    int `json:"hints_used"`
}

// List is every kata in order with its progress in s, and how many are solved.
func (w *Workbook) List(s *progress.State) (rows []Row, solved int) {
	cur := w.Current(s)
	for _, k := range w.Catalog.Katas {
		status := "pending"
		if s.Solved(k.ID) {
			status = "solved"
			solved++
		}
		files := make([]string, len(k.Files))
		for i, f := range k.Files {
			files[i] = k.Dir + "/" + f
		}
		row := Row{ID: k.ID, Title: k.Title, Status: status, Current: k.ID == cur.ID, Files: files, Minutes: k.Minutes}
		if p, ok := s.Katas[k.ID]; ok {
			row.Attempts, row.Hints = p.Attempts, p.HintLevel
		}
		rows = append(rows, row)
	}
	return rows, solved
}

// ReadHint records that the learner reads hint level of k's count hints
// (0: the one after the last read) and makes k the current kata; it
// returns the level read.
func (w *Workbook) ReadHint(k catalog.Kata, level, count int) (int, error) {
	_, err := w.Store.Update(func(s *progress.State) error {
		p := s.Kata(k.ID)
		if level == 0 {
			level = min(p.HintLevel+1, count)
		}
		p.HintLevel = max(p.HintLevel, level)
		s.Current = k.ID
		return nil
	})
	return level, err
}

// Unlocked says whether k's solution may be shown: solved, or revealed.
func (w *Workbook) Unlocked(k catalog.Kata) (bool, error) {
	s, err := w.Store.Load()
	if err != nil {
		return false, err
	}
	p, ok := s.Katas[k.ID]
	return ok && p.SolutionUnlocked(), nil
}

// Reveal unlocks k's solution before it is solved.
func (w *Workbook) Reveal(k catalog.Kata) error {
	_, err := w.Store.Update(func(s *progress.State) error { s.Kata(k.ID).Revealed = true; return nil })
	return err
}

// SummaryFile is the book's table of contents.
const SummaryFile = "book/SUMMARY.md"

// NotInBookError is BookFile's answer for a name that is neither a kata
// nor a page of the book.
type NotInBookError struct {
	Name string
	// Katas are the katas' numbers, Pages the other pages' names.
	Katas, Pages []string
}

func (e *NotInBookError) Error() string {
	return fmt.Sprintf("no kata or page %q in the book: katas by number (%s), other pages by name (%s)",
		e.Name, strings.Join(e.Katas, ", "), strings.Join(e.Pages, ", "))
}

// BookFile is the book file `kata book NAME` shows: without a name the
// contents (or, in a book without them, the current kata's chapter); a
// kata's chapter by any name the catalog resolves; another page by name.
func (w *Workbook) BookFile(name string) (string, error) {
	if name == "" {
		if _, err := os.Stat(w.Catalog.Path(SummaryFile)); err == nil {
			return SummaryFile, nil
		}
		s, err := w.Store.Load()
		if err != nil {
			return "", err
		}
		return w.Current(s).Chapter, nil
	}
	if k, err := w.Catalog.Resolve(name); err == nil {
		return k.Chapter, nil
	}
	if page, ok := w.Page(name); ok {
		return page, nil
	}
	e := &NotInBookError{Name: name, Pages: w.Pages()}
	for _, k := range w.Catalog.Katas {
		e.Katas = append(e.Katas, k.Num())
	}
	return "", e
}

// Page is the book page named name, as `kata book NAME` takes it
// (`toolbox` is book/toolbox.md); false when there is none.
func (w *Workbook) Page(name string) (string, bool) {
	if strings.ContainsAny(name, `/\.`) {
		return "", false
	}
	page := "book/" + name + ".md"
	_, err := os.Stat(w.Catalog.Path(page))
	return page, err == nil
}

// Pages names the book's pages that are not kata chapters (nor the
// contents), as Page takes them.
func (w *Workbook) Pages() []string {
	chapters := map[string]bool{SummaryFile: true}
	for _, k := range w.Catalog.Katas {
		chapters[k.Chapter] = true
	}
	entries, _ := os.ReadDir(w.Catalog.Path("book"))
	var pages []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".md")
		if ok && !e.IsDir() && !chapters["book/"+e.Name()] {
			pages = append(pages, name)
		}
	}
	return pages
}

// DownloadModules downloads the modules the workbook at root needs.
func DownloadModules(ctx context.Context, root string) error {
	res, err := proc.Run(ctx, proc.Cmd{Path: "go", Args: []string{"mod", "download"}, Dir: root, Env: os.Environ(), Timeout: 15 * time.Minute, MaxOutput: 64 << 10})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("go mod download: %s", strings.TrimSpace(string(res.Output)))
	}
	return nil
}
