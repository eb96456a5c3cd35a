package httpbody

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.uber.org/goleak"
)

func TestStatus(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // runs after srv.Close
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	}))
	t.Cleanup(srv.Close)
	if _, err := Status(srv.Client(), srv.URL); err != nil {
		t.Fatal(err)
	}
}
