//go:build !unix && !windows

package progress

import "os"

// lockFile is a no-op where no file locking is available.
func lockFile(f *os.File) error { return nil }

func unlockFile(f *os.File) {}
