package main

import "flag"

type testFlags struct {
	set  *flag.FlagSet
	json *bool
	runs *int
}

func newTestFlags() testFlags {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	return testFlags{set: fs, json: fs.Bool("json", false, ""), runs: fs.Int("runs", 1, "")}
}
