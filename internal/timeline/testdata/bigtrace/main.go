// Command bigtrace writes a real Go execution trace of about -size bytes
// (never more than -max) for the memory test of package timeline: rounds of
// short-lived worker goroutines started by this package's functions hand
// work over channels, contend for a mutex, wait on a WaitGroup and sleep,
// so nearly every event belongs to "the code under test" (package main).
// The workload is spread over -spread: the tracer cuts its output into a
// generation a second, and a reader holds one generation at a time.
//
//	go run ./testdata/bigtrace -o big.trace -size 49000000 -spread 8s
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	out := flag.String("o", "big.trace", "the trace file to write")
	size := flag.Int64("size", 47<<20, "stop the workload once this many bytes were written")
	workers := flag.Int("workers", 64, "goroutines per round")
	spread := flag.Duration("spread", 0, "write the trace at an even pace over this long (0: as fast as it comes)")
	flag.Parse()
	if err := run(*out, *size, *workers, *spread); err != nil {
		fmt.Fprintln(os.Stderr, "bigtrace:", err)
		os.Exit(1)
	}
}

// counter counts the bytes the tracer wrote.
type counter struct {
	w io.Writer
	n atomic.Int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

func run(out string, size int64, workers int, spread time.Duration) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	c := &counter{w: f}
	if err := trace.Start(c); err != nil {
		f.Close()
		return err
	}
	rounds, start := 0, time.Now()
	for c.n.Load() < size {
		if ahead := float64(c.n.Load())/float64(size)*float64(spread) - float64(time.Since(start)); ahead > 0 {
			time.Sleep(time.Duration(ahead)) // keep to the pace
		}
		round(workers)
		rounds++
	}
	trace.Stop()
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Printf("%d rounds of %d workers, %d bytes in %v\n", rounds, workers, c.n.Load(), time.Since(start).Round(time.Millisecond))
	return nil
}

// round starts a producer, a pipeline of workers and a collector, and
// waits for them all.
func round(workers int) {
	jobs := make(chan int)
	results := make(chan int)
	var mu sync.Mutex
	total := 0
	var wg sync.WaitGroup
	wg.Add(1)
	go produce(&wg, jobs, 40*workers)
	var ws sync.WaitGroup
	for range workers {
		ws.Add(1)
		go work(&ws, jobs, results, &mu, &total)
	}
	done := make(chan struct{})
	go collect(results, done)
	ws.Wait()
	close(results)
	<-done
	wg.Wait()
}

func produce(wg *sync.WaitGroup, jobs chan<- int, n int) {
	defer wg.Done()
	for i := range n {
		jobs <- i
	}
	close(jobs)
}

func work(wg *sync.WaitGroup, jobs <-chan int, results chan<- int, mu *sync.Mutex, total *int) {
	defer wg.Done()
	for j := range jobs {
		mu.Lock()
		*total += j
		mu.Unlock()
		if j%16 == 0 {
			time.Sleep(time.Microsecond)
		}
		results <- j
	}
}

func collect(results <-chan int, done chan<- struct{}) {
	sum := 0
	for r := range results {
		sum += r
	}
	_ = sum
	close(done)
}
