// Package httpbody forgets to close a response body, for the diagnosis fixtures.
package httpbody

import "net/http"

// Status fetches url and returns the status code, leaving the body open.
func Status(c *http.Client, url string) (int, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}
