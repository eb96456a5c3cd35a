// Package osexit calls os.Exit, for the diagnosis fixtures.
package osexit

import "os"

// Stop exits the process.
func Stop() { os.Exit(0) }
